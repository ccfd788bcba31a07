/** The synth job: load and validate the config, render every selected cluster in memory, then write dist/ at once. */
import { loadClusters } from '../config/load.ts';
import { writeDist, type ClusterWriteSummary } from './dist.ts';
import { renderCluster, type RenderedCluster } from './render.ts';

export interface SynthOptions {
  /** Folder with `clusters/` and `facts/`. */
  readonly configDir: string;
  /** Output folder (one sub-folder per cluster). */
  readonly outDir: string;
  /** Only these clusters; the others' output is left untouched. @default all clusters */
  readonly clusters?: readonly string[];
}

export interface SynthResult {
  readonly clusters: ReadonlyArray<RenderedCluster & { readonly write: ClusterWriteSummary; readonly ms: number }>;
  /** Folders of clusters that no longer exist, removed on a full synth. */
  readonly prunedClusters: readonly ClusterWriteSummary[];
}

export function synth(options: SynthOptions): SynthResult {
  const only = options.clusters ?? [];
  const clusters = loadClusters({ configDir: options.configDir, only });
  const rendered = clusters.map((cluster) => {
    const start = performance.now();
    const result = renderCluster(cluster);
    return { ...result, ms: performance.now() - start };
  });
  const summaries = writeDist(options.outDir, rendered, { pruneClusters: only.length === 0 });
  return {
    clusters: rendered.map((r) => ({ ...r, write: summaries.find((s) => s.name === r.name)! })),
    prunedClusters: summaries.filter((s) => !rendered.some((r) => r.name === s.name)),
  };
}
