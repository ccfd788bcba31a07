/**
 * The `diff` job: render base and head (each in a child process with only PATH, HOME and PLATFORM_UPSTREAM in its
 * environment), compare, format. Returns the text to print and whether anything differs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT, upstreamDir } from '../paths.ts';
import { compareTrees, type DiffReport } from './engine.ts';
import { formatMarkdown, formatText } from './format.ts';
import { renderRevisionAsync, resolveBase, synthInChildAsync } from './git.ts';
import { readTree, type RenderedTree } from './tree.ts';

export type DiffFormat = 'text' | 'markdown';

export interface DiffOptions {
  /** Git revision to compare with. @default the merge base of HEAD with the main branch */
  readonly base?: string;
  /** A rendered folder to use as the base instead of rendering a revision. @default render `base` */
  readonly baseDir?: string;
  /** A rendered folder to use as the head instead of rendering the working tree. @default render the working tree */
  readonly headDir?: string;
  /** @default "text" */
  readonly format?: DiffFormat;
  /** Config folder relative to the project (`--config`). @default "config" */
  readonly config?: string;
  /** The project (git working tree). @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** Only these clusters. @default all */
  readonly clusters?: readonly string[];
  /** @default 65536 */
  readonly maxChars?: number;
}

export interface DiffResult {
  readonly report: DiffReport;
  readonly output: string;
}

export async function runDiff(options: DiffOptions = {}): Promise<DiffResult> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const config = options.config ?? 'config';
  const cleanups: Array<() => void> = [];
  try {
    const notes: string[] = [];
    const only = new Set(options.clusters ?? []);
    const pick = (dir: string) => new Map([...readTree(dir)].filter(([name]) => only.size === 0 || only.has(name)));
    const baseRender = options.baseDir ? undefined : resolveBase(projectRoot, options.base);
    const headTmp = options.headDir ? undefined : mkdtempSync(join(tmpdir(), 'platform-diff-head-'));
    const removeHead = () => {
      if (headTmp) rmSync(headTmp, { recursive: true, force: true });
    };
    cleanups.push(removeHead);
    // Base and head render in two child processes at the same time (each render is single-threaded); each side is
    // read, and its temporary folders removed, as soon as its render ends, while the other may still be rendering.
    // The head starts first, so the base's extraction (git archive) overlaps its render.
    // A child process with a minimal environment, like the base: the working tree is a pull request's code.
    const headTree = headTmp ? synthInChildAsync(projectRoot, headTmp, { config, upstream: upstreamDir(), what: 'the working tree' }).then(() => pick(headTmp)).finally(removeHead) : undefined;
    const baseTree = baseRender
      ? renderRevisionAsync(projectRoot, baseRender.sha, { config, nodeModules: join(projectRoot, 'node_modules'), upstream: upstreamDir() }).then((rendered) => {
          cleanups.push(rendered.cleanup);
          notes.push(...rendered.notes);
          const tree = pick(rendered.outDir);
          rendered.cleanup();
          return tree;
        })
      : undefined;
    const settled = await Promise.allSettled([baseTree, headTree]);
    // The base's failure first, as when the two rendered one after the other.
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const [baseFiles, headFiles] = settled.map((r) => (r as PromiseFulfilledResult<RenderedTree | undefined>).value);
    const baseLabel = options.baseDir ?? baseRender!.label;
    const headLabel = options.headDir ?? 'working tree';
    const report = compareTrees(baseFiles ?? pick(resolve(options.baseDir!)), headFiles ?? pick(resolve(options.headDir!)));
    const fmt = { baseLabel, headLabel, notes };
    const output = options.format === 'markdown' ? formatMarkdown(report, { ...fmt, maxChars: options.maxChars }) : formatText(report, fmt);
    return { report, output };
  } finally {
    for (const c of cleanups.reverse()) c();
  }
}
