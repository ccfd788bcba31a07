/**
 * The `diff` job: render base and head (each in a child process with only PATH, HOME and PLATFORM_UPSTREAM in its
 * environment), compare, format. Returns the text to print and whether anything differs.
 */
import { join, resolve } from 'node:path';
import { PROJECT_ROOT, upstreamDir } from '../paths.ts';
import { compareTrees, type DiffReport } from './engine.ts';
import { formatMarkdown, formatText } from './format.ts';
import { renderRevision, renderTreeInChild, resolveBase, sameFilesAsCommit } from './git.ts';
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

/**
 * Renders (or reads) base and head, compares them and formats the report. Base and head render at the same time, in
 * two child processes (each render is single-threaded). When the working tree holds the base commit's files
 * (sameFilesAsCommit), the two renders would be identical: the working tree is rendered once and serves as both.
 * @throws DiffError (git, a render, a damaged render stream) or the errors of readTree for `baseDir`/`headDir`
 */
export async function runDiff(options: DiffOptions = {}): Promise<DiffResult> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const config = options.config ?? 'config';
  const only = new Set(options.clusters ?? []);
  const pick = (tree: RenderedTree) => (only.size === 0 ? tree : new Map([...tree].filter(([name]) => only.has(name))));
  const baseRender = options.baseDir ? undefined : resolveBase(projectRoot, options.base);
  const upstream = upstreamDir();
  // A child process with a minimal environment, like the base: the working tree is a pull request's code.
  const headTree = options.headDir ? undefined : renderTreeInChild(projectRoot, { config, upstream, what: 'the working tree' });
  const sameAsHead = baseRender !== undefined && headTree !== undefined && sameFilesAsCommit(projectRoot, baseRender.sha);
  const baseTree = !baseRender || sameAsHead ? undefined : renderRevision(projectRoot, baseRender.sha, { config, nodeModules: join(projectRoot, 'node_modules'), upstream, bundleCache: join(projectRoot, '.cache', 'diff-base-cli') });
  const settled = await Promise.allSettled([baseTree, headTree]);
  // The base's failure first, as when the two rendered one after the other.
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  const [base, head] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [{ tree: RenderedTree; notes: readonly string[] } | undefined, RenderedTree | undefined];
  const headFiles = pick(head ?? readTree(resolve(options.headDir!)));
  const baseFiles = sameAsHead ? headFiles : pick(base?.tree ?? readTree(resolve(options.baseDir!)));
  const report = compareTrees(baseFiles, headFiles);
  const fmt = { baseLabel: options.baseDir ?? baseRender!.label, headLabel: options.headDir ?? 'working tree', notes: base?.notes ?? [] };
  const output = options.format === 'markdown' ? formatMarkdown(report, { ...fmt, maxChars: options.maxChars }) : formatText(report, fmt);
  return { report, output };
}
