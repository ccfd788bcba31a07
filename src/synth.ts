/** The synth job: load and validate the config, render every selected cluster in memory, then write dist/ at once. */
import { FLEET_DIR, fleetProblems, loadFleet, renderFleet } from '../apps/fleet.ts';
import { ConfigError, loadClusters } from '../config/load.ts';
import { ADDONS } from '../charts/registry.ts';
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
  /** The fleet folder (`dist/_fleet`), written when `<configDir>/fleet.yaml` exists. @default undefined */
  readonly fleet?: ClusterWriteSummary;
}

export function synth(options: SynthOptions): SynthResult {
  const only = options.clusters ?? [];
  const clusters = loadClusters({ configDir: options.configDir, addons: ADDONS, only });
  const fleet = loadFleet({ configDir: options.configDir });
  if (fleet) {
    const problems = fleetProblems(fleet, clusters, only.length === 0);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  const rendered = clusters.map((cluster) => {
    const start = performance.now();
    const result = renderCluster(cluster, { fleet });
    return { ...result, ms: performance.now() - start };
  });
  // The fleet folder holds no per-cluster data, so rendering it on a partial synth never touches other clusters.
  const fleetFolder = fleet ? [renderFleet(fleet)] : [];
  const summaries = writeDist(options.outDir, [...rendered, ...fleetFolder], { pruneClusters: only.length === 0 });
  const byName = new Map(summaries.map((s) => [s.name, s]));
  const names = new Set(rendered.map((r) => r.name));
  return {
    clusters: rendered.map((r) => ({ ...r, write: byName.get(r.name)! })),
    prunedClusters: summaries.filter((s) => !names.has(s.name) && s.name !== FLEET_DIR),
    fleet: fleet ? byName.get(FLEET_DIR) : undefined,
  };
}
