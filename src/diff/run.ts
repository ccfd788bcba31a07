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
import { readTree } from './tree.ts';

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
    // Base and head render in two child processes at the same time; each render is single-threaded.
    const baseRender = options.baseDir ? undefined : resolveBase(projectRoot, options.base);
    const headTmp = options.headDir ? undefined : mkdtempSync(join(tmpdir(), 'platform-diff-head-'));
    if (headTmp) cleanups.push(() => rmSync(headTmp, { recursive: true, force: true }));
    // The head starts first: the base's extraction (git archive) overlaps its render.
    // A child process with a minimal environment, like the base: the working tree is a pull request's code.
    const head = headTmp ? synthInChildAsync(projectRoot, headTmp, { config, upstream: upstreamDir(), what: 'the working tree' }) : undefined;
    const base = baseRender ? renderRevisionAsync(projectRoot, baseRender.sha, { config, nodeModules: join(projectRoot, 'node_modules'), upstream: upstreamDir() }) : undefined;
    const [baseResult, headResult] = await Promise.allSettled([base, head]);
    if (baseResult.status === 'fulfilled' && baseResult.value) cleanups.push(baseResult.value.cleanup);
    // The base's failure first, as when the two rendered one after the other.
    for (const r of [baseResult, headResult]) if (r.status === 'rejected') throw r.reason;
    const rendered = baseResult.status === 'fulfilled' ? baseResult.value : undefined;
    notes.push(...(rendered?.notes ?? []));
    const baseDir = options.baseDir ? resolve(options.baseDir) : rendered!.outDir;
    const baseLabel = options.baseDir ?? baseRender!.label;
    const headDir = options.headDir ? resolve(options.headDir) : headTmp!;
    const headLabel = options.headDir ?? 'working tree';

    const only = new Set(options.clusters ?? []);
    const pick = (dir: string) => new Map([...readTree(dir)].filter(([name]) => only.size === 0 || only.has(name)));
    const report = compareTrees(pick(baseDir), pick(headDir));
    const fmt = { baseLabel, headLabel, notes };
    const output = options.format === 'markdown' ? formatMarkdown(report, { ...fmt, maxChars: options.maxChars }) : formatText(report, fmt);
    return { report, output };
  } finally {
    for (const c of cleanups.reverse()) c();
  }
}
