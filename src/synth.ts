/**
 * The synth job: load and validate the config, then render and stage one cluster at a time (each cluster's files
 * are dropped once staged, so memory stays flat in the number of clusters), then swap all staged folders in at once
 * (src/dist.ts: locked, journaled, all or nothing).
 *
 * No-change runs: with `codeVersion` and `indexFile`, a cluster is not rendered when its inputs hash (code version,
 * the loaded cluster config, the fleet settings) equals the one indexed by the last run AND every file of its folder
 * still has the indexed size, mtime and ctime (so a hand edit, an added or a deleted file is noticed; ctime cannot
 * be set back by `touch`). Any mismatch renders and compares the cluster as usual.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fleetProblems, loadFleet } from '../config/fleet.ts';
import { FLEET_DIR } from '../config/labels.ts';
import { renderFleet } from './fleet.ts';
import { ConfigError, loadClusters } from '../config/load.ts';
import { awaitingFacts } from '../config/cluster.ts';
import { ADDONS } from '../charts/registry.ts';
import { DistWriter, listFiles, type ClusterWriteSummary, type WriteOptions } from './dist.ts';
import { renderCluster } from './render.ts';

export interface SynthOptions {
  /** Folder with `clusters/` and `facts/`. */
  readonly configDir: string;
  /** Output folder (one sub-folder per cluster). */
  readonly outDir: string;
  /** Only these clusters; the others' output is left untouched. @default all clusters */
  readonly clusters?: readonly string[];
  /** Keep each cluster's rendered files in the result (memory grows with the fleet). @default false */
  readonly keepFiles?: boolean;
  /**
   * Identifies the rendering code (the CLI launcher's bundle key: sources, package-lock.json, Node version). With
   * `indexFile`, enables skipping clusters whose inputs and files are unchanged. @default undefined (render all)
   */
  readonly codeVersion?: string;
  /** The no-change index (JSON), kept outside the output folder so dist/ holds only rendered files. @default undefined (no index) */
  readonly indexFile?: string;
  /** Lock timeout, notices and the test hook of the writer. @default {} */
  readonly write?: Omit<WriteOptions, 'pruneClusters'>;
}

export interface SynthClusterResult {
  readonly name: string;
  readonly applications: number;
  readonly objects: number;
  /** Path relative to `dist/<cluster>/` → content; only with `keepFiles` (and not for skipped clusters). */
  readonly files?: ReadonlyMap<string, string>;
  readonly write: ClusterWriteSummary;
  /** Render time in milliseconds (0 when skipped). */
  readonly ms: number;
  /** Not rendered: inputs and files matched the index. */
  readonly skipped: boolean;
  /** No facts file yet: only the bootstrap template was rendered (see awaitingFacts in config/cluster.ts). */
  readonly awaitingFacts: boolean;
}

export interface SynthResult {
  readonly clusters: readonly SynthClusterResult[];
  /** Folders of clusters that no longer exist, removed on a full synth. */
  readonly prunedClusters: readonly ClusterWriteSummary[];
  /** The fleet folder (`dist/_fleet`), written when `<configDir>/fleet.yaml` exists. @default undefined */
  readonly fleet?: ClusterWriteSummary;
}

/** [path, size in bytes, mtimeMs, ctimeMs] of each file of a cluster folder, sorted by path. */
type FileStamp = [string, number, number, number];

interface IndexEntry {
  readonly inputs: string;
  readonly applications: number;
  readonly objects: number;
  readonly files: FileStamp[];
}

interface SynthIndex {
  readonly format: 1;
  readonly outDir: string;
  readonly clusters: Record<string, IndexEntry>;
}

function stamps(dir: string): FileStamp[] {
  return listFiles(dir).map((f) => {
    const s = statSync(join(dir, f));
    return [f, s.size, s.mtimeMs, s.ctimeMs];
  });
}

function readIndex(file: string | undefined, outDir: string): SynthIndex {
  const empty: SynthIndex = { format: 1, outDir, clusters: {} };
  if (!file || !existsSync(file)) return empty;
  try {
    const index = JSON.parse(readFileSync(file, 'utf8')) as SynthIndex;
    return index.format === 1 && index.outDir === outDir && typeof index.clusters === 'object' ? index : empty;
  } catch {
    return empty; // a damaged index only costs a full render
  }
}

function writeIndex(file: string, index: SynthIndex): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(index));
  renameSync(tmp, file);
}

/**
 * Renders the selected clusters into `outDir`. Throws ConfigError (config problems), RenderError, or OutputError
 * (foreign output folder, lock held); in every case the output folder is left as it was.
 */
export function synth(options: SynthOptions): SynthResult {
  const only = options.clusters ?? [];
  const outDir = resolve(options.outDir);
  const clusters = loadClusters({ configDir: options.configDir, addons: ADDONS, only });
  const fleet = loadFleet({ configDir: options.configDir });
  if (fleet) {
    const problems = fleetProblems(fleet, clusters, only.length === 0);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  const useIndex = options.codeVersion !== undefined && options.indexFile !== undefined;
  const fleetJson = JSON.stringify(fleet ?? null);
  const inputsOf = (cluster: object) => createHash('sha256').update(`${options.codeVersion}\0${fleetJson}\0${JSON.stringify(cluster)}`).digest('hex');

  const writer = new DistWriter(outDir, { ...options.write, pruneClusters: only.length === 0 });
  try {
    const index = readIndex(useIndex ? options.indexFile : undefined, outDir);
    const results: SynthClusterResult[] = [];
    for (const cluster of clusters) {
      const inputs = useIndex ? inputsOf(cluster) : '';
      const known = index.clusters[cluster.name];
      if (known && known.inputs === inputs && JSON.stringify(stamps(join(outDir, cluster.name))) === JSON.stringify(known.files)) {
        writer.keep(cluster.name);
        const write = { name: cluster.name, written: 0, unchanged: known.files.length, removed: 0 };
        results.push({ name: cluster.name, applications: known.applications, objects: known.objects, write, ms: 0, skipped: true, awaitingFacts: awaitingFacts(cluster) });
        continue;
      }
      const start = performance.now();
      const rendered = renderCluster(cluster, { fleet });
      const ms = performance.now() - start;
      const write = writer.stage(rendered);
      results.push({ name: cluster.name, applications: rendered.applications, objects: rendered.objects, files: options.keepFiles ? rendered.files : undefined, write, ms, skipped: false, awaitingFacts: awaitingFacts(cluster) });
      if (useIndex) index.clusters[cluster.name] = { inputs, applications: rendered.applications, objects: rendered.objects, files: [] };
    }
    // The fleet folder holds no per-cluster data, so rendering it on a partial synth never touches other clusters.
    const fleetWrite = fleet ? writer.stage(renderFleet(fleet)) : undefined;
    const summaries = writer.commit();
    const names = new Set(clusters.map((c) => c.name));
    const prunedClusters = summaries.filter((s) => !names.has(s.name) && s.name !== FLEET_DIR && s !== fleetWrite);
    if (useIndex) {
      for (const p of summaries) if (!names.has(p.name)) delete index.clusters[p.name];
      for (const r of results) if (!r.skipped) index.clusters[r.name] = { ...index.clusters[r.name], files: stamps(join(outDir, r.name)) };
      try {
        writeIndex(options.indexFile!, index);
      } catch (err) {
        // Only an optimisation: without it the next run renders and compares every cluster.
        (options.write?.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`)))(`${options.indexFile}: not written (${(err as Error).message}); the next run renders every cluster`);
      }
    }
    return { clusters: results, prunedClusters, fleet: fleetWrite };
  } finally {
    writer.close();
  }
}
