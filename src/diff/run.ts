/**
 * The `diff` job: render base and head (each in a child process with only PATH, HOME and PLATFORM_UPSTREAM in its
 * environment), compare, format. Returns the text to print and whether anything differs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT, upstreamDir } from '../paths.ts';
import { StreamingComparison, type DiffReport } from './engine.ts';
import { formatMarkdown, formatText } from './format.ts';
import { changedClusters, renderBaseClusters, renderRevision, renderTreeInChild, resolveBase, sameFilesAsCommit } from './git.ts';
import { supportsRenderStream, type ClusterSink } from './render-stream.ts';
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

/**
 * Renders (or reads) base and head, compares them and formats the report. Base and head render at the same time, in
 * two child processes (each render is single-threaded), and each cluster is compared as soon as both renders have
 * sent it (StreamingComparison). What provably renders the same is rendered once: when the working tree holds the
 * base commit's files (sameFilesAsCommit), the working tree's render serves as both; when only cluster and facts
 * files differ (changedClusters), the base renders those clusters only and the others are the working tree's.
 * @throws DiffError (git, a render, a damaged render stream) or the errors of readTree for `baseDir`/`headDir`
 */
export async function runDiff(options: DiffOptions = {}): Promise<DiffResult> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const config = options.config ?? 'config';
  const only = new Set(options.clusters ?? []);
  const baseRender = options.baseDir ? undefined : resolveBase(projectRoot, options.base);
  const upstream = upstreamDir();
  // Set right after the head's render starts (the git checks overlap it), before any cluster arrives.
  let sameAsHead = false;
  let partial: ReadonlySet<string> | undefined;
  const comparison = new StreamingComparison();
  const sink = (side: 'base' | 'head'): ClusterSink => (name, files) => {
    if (only.size > 0 && !only.has(name)) return;
    comparison.add(side, name, files);
    // The same files (or, for `partial`, the same code and cluster inputs) render the same: the base is the head.
    if (side === 'head' && (sameAsHead || (partial && !partial.has(name)))) comparison.add('base', name, files);
  };
  const readDir = (side: 'base' | 'head', dir: string) => {
    for (const [name, files] of readTree(resolve(dir))) sink(side)(name, files);
  };
  // A child process with a minimal environment, like the base: the working tree is a pull request's code. The head
  // starts first, so the base's extraction overlaps its render.
  const head = options.headDir ? undefined : renderTreeInChild(projectRoot, { config, upstream, what: 'the working tree' }, sink('head'));
  sameAsHead = baseRender !== undefined && head !== undefined && sameFilesAsCommit(projectRoot, baseRender.sha);
  // Only cluster files differ (and this code can render a base config): the base renders those clusters only.
  if (baseRender && head && !sameAsHead && supportsRenderStream(projectRoot) && existsSync(join(projectRoot, 'bin', 'platform.mjs'))) {
    partial = changedClusters(projectRoot, baseRender.sha, config);
  }
  const bundleCache = join(projectRoot, '.cache', 'diff-base-cli');
  const revision = { config, nodeModules: join(projectRoot, 'node_modules'), upstream, bundleCache };
  const renderBase = () => {
    if (!baseRender || sameAsHead) return undefined;
    if (!partial) return renderRevision(projectRoot, baseRender.sha, revision, sink('base'));
    return partial.size > 0 ? renderBaseClusters(projectRoot, baseRender.sha, partial, revision, sink('base')).then(() => []) : undefined;
  };
  const base = renderBase();
  const [baseResult, headResult] = await Promise.allSettled([base, head]);
  // The base's failure first, as when the two rendered one after the other.
  for (const r of [baseResult, headResult]) if (r.status === 'rejected') throw r.reason;
  if (options.baseDir) readDir('base', options.baseDir);
  if (options.headDir) readDir('head', options.headDir);
  const report = comparison.report();
  const notes = (baseResult as PromiseFulfilledResult<string[] | undefined>).value ?? [];
  const fmt = { baseLabel: options.baseDir ?? baseRender!.label, headLabel: options.headDir ?? 'working tree', notes };
  const output = options.format === 'markdown' ? formatMarkdown(report, { ...fmt, maxChars: options.maxChars }) : formatText(report, fmt);
  return { report, output };
}
