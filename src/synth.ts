/**
 * The synth job: load and validate the config, then render and stage the clusters as a stream (src/dist.ts: each
 * cluster's files are written with async I/O while the next cluster renders, at most {@link STREAM_DEPTH} clusters
 * in flight, and dropped once staged, so memory stays flat in the number of clusters), then swap all staged folders
 * in at once (locked, journaled, all or nothing).
 *
 * No-change runs (with `codeVersion` and `indexFile`), decided from inputs and the hash index, never by reading
 * output files back:
 * - **Whole run.** When the fingerprint of the raw inputs (code version, config folder, the bytes of every cluster,
 *   facts and fleet file) equals the one the last full run stored, the config is not even loaded: that run loaded
 *   and validated exactly these bytes with exactly this code.
 * - **Per cluster.** Otherwise a cluster is not rendered when its loaded-inputs hash (code version, the loaded
 *   cluster config, the fleet settings) equals the indexed one.
 * In both cases a folder counts as unchanged only if its stamps still match the index: size, mtime and ctime of
 * every file, and mtime and ctime of every folder (mtime only for the cluster folder itself, whose ctime the swap's
 * rename changes). So a hand edit (ctime cannot be set back by `touch`), an added or a deleted file or folder is
 * noticed without listing the folders; the whole-run check also lists the output folder, so a folder added or
 * removed there by hand is noticed. Any mismatch renders and compares that cluster as usual.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { FLEET_DIR } from '../config/labels.ts';
import { clusterFiles } from '../config/load.ts';
import { awaitingFacts, type Cluster } from '../config/cluster.ts';
import { DistWriter, type ClusterWriteSummary, type WriteOptions } from './dist.ts';

/** Clusters staged at once: enough to keep libuv's 4 file-system threads busy while the next cluster renders. */
export const STREAM_DEPTH = 4;

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
  /** In cluster-name order. */
  readonly clusters: readonly SynthClusterResult[];
  /** Folders of clusters that no longer exist, removed on a full synth. */
  readonly prunedClusters: readonly ClusterWriteSummary[];
  /** The fleet folder (`dist/_fleet`), written when `<configDir>/fleet.yaml` exists. @default undefined */
  readonly fleet?: ClusterWriteSummary;
}

interface IndexEntry {
  readonly inputs: string;
  readonly applications: number;
  readonly objects: number;
  readonly awaitingFacts: boolean;
  /** Files of the cluster folder. */
  readonly files: number;
  /**
   * Its files and folders, `\n`-separated and sorted (folders end with `/`, the cluster folder itself is `./`), with
   * the folder's name replaced by NUL: one string shared by every cluster of the same shape (see {@link Shapes}).
   */
  readonly shape: string;
  /** Digest of the stamps of its paths (see stampsDigest). */
  readonly stamps: string;
  /** The stamps cannot be trusted (see {@link racyStamps}): the next run renders and compares. @default false */
  readonly racy?: boolean;
}

/** Stamps this close (ms) to the indexing may not show an edit made right after it on a whole-second file system. */
const RACY_MS = 2000;

/**
 * Whether stamps taken at `now` (ms) could miss a later edit: on a file system that keeps whole seconds (HFS+, FAT,
 * some network file systems: every time has no fraction), an edit in the same second keeps a same-size file's mtime
 * and ctime, so a stamp within {@link RACY_MS} of `now` proves nothing (git's "racily clean" entries). Nanosecond
 * file systems (ext4, XFS, APFS) never trigger it.
 */
export function racyStamps(times: readonly number[], now: number): boolean {
  return times.length > 0 && times.every((t) => Number.isInteger(t / 1000)) && Math.max(...times) >= now - RACY_MS;
}

/** A loaded cluster waiting to be rendered: its name, its inputs hash (see inputsOf) and the cluster, serialized. */
interface PendingCluster {
  readonly name: string;
  readonly inputs: string;
  readonly data: Buffer;
}

interface SynthIndex {
  /** 4: `shape` instead of 3's `paths` (an index of another format is ignored: one full render and compare). */
  readonly format: 4;
  readonly outDir: string;
  /** Raw-inputs fingerprint of the last full run whose output is still current (see the module comment). */
  rawInputs?: string;
  readonly clusters: Record<string, IndexEntry>;
  /** The fleet folder's entry (its `inputs` unused). */
  fleet?: IndexEntry;
}

/**
 * sha256 of the stamp of each path under `dir`: size, mtimeMs and ctimeMs of a file; mtimeMs and ctimeMs of a
 * folder (mtimeMs only for `./`, see the module comment); `-` for a missing path.
 */
function stampsDigest(dir: string, paths: readonly string[], times: number[] = []): string {
  const hash = createHash('sha256');
  for (const path of paths) {
    // lstat: a folder or file replaced by a symbolic link (even to identical content) is a hand edit too.
    // (Without the trailing slash of a folder path: with it, even lstat follows a link.)
    const s = lstatSync(join(dir, path).replace(/\/$/, ''), { throwIfNoEntry: false });
    if (s) times.push(s.mtimeMs, s.ctimeMs);
    if (!s) hash.update('-\n');
    else if (path === './') hash.update(`${s.isDirectory()} ${s.mtimeMs}\n`);
    else if (path.endsWith('/')) hash.update(`${s.isDirectory()} ${s.mtimeMs} ${s.ctimeMs}\n`);
    else hash.update(`${s.size} ${s.mtimeMs} ${s.ctimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * The `shape` of a folder's listing: every occurrence of the folder's name replaced by NUL, which no path can hold,
 * so the listing comes back exactly (see {@link listingOf}). Clusters of one shape (most of a fleet: copies of a few
 * templates) differ only by their name in file names (`apps/application_argocd_<name>-….yaml`), so the index of
 * 1000 clusters holds a few strings of about 3 KiB, one per distinct shape, instead of one per cluster.
 */
class Shapes {
  private readonly known = new Map<string, string>();
  /** The one string for this shape. */
  intern(shape: string): string {
    const seen = this.known.get(shape);
    if (seen !== undefined) return seen;
    this.known.set(shape, shape);
    return shape;
  }
  /** The interned shape of `listing`, the `\n`-separated paths of the folder `name`. */
  of(listing: string, name: string): string {
    return this.intern(listing.split(name).join('\0'));
  }
}

/** The paths of the folder `name` from their shape (see {@link Shapes}). */
const listingOf = (shape: string, name: string): string[] => shape.split('\0').join(name).split('\n');

/** The index entry of the folder `name`, at `dir`, holding exactly `files` (paths relative to `dir`), stamped now. */
function indexEntry(name: string, dir: string, files: Iterable<string>, facts: Omit<IndexEntry, 'files' | 'shape' | 'stamps'>, shapes: Shapes): IndexEntry {
  const all = new Set(['./']);
  let count = 0;
  for (const path of files) {
    count++;
    all.add(path);
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) all.add(path.slice(0, i + 1));
  }
  const paths = [...all].sort();
  const times: number[] = [];
  const stamps = stampsDigest(dir, paths, times);
  return { ...facts, files: count, shape: shapes.of(paths.join('\n'), name), stamps, ...(racyStamps(times, Date.now()) ? { racy: true } : {}) };
}

/** Whether the folder `name` in `outDir` still has the stamps its index entry recorded, and they were not racy ({@link racyStamps}). */
const stampsMatch = (outDir: string, name: string, entry: IndexEntry) => !entry.racy && stampsDigest(join(outDir, name), listingOf(entry.shape, name)) === entry.stamps;

/** Hash of everything the config loader reads (see the module comment, "Whole run"). */
function rawInputs(configDir: string, codeVersion: string): string {
  const hash = createHash('sha256').update(`${codeVersion}\0${resolve(configDir)}\0`);
  // Every file is read into one buffer (grown when a file needs it): a Buffer per file, 2000 of them for 1000
  // clusters, would be garbage outside the heap that V8 frees only at its next collection.
  let buffer = Buffer.allocUnsafeSlow(64 * 1024);
  const read = (file: string): Buffer => {
    const fd = openSync(file, 'r');
    try {
      let size = 0;
      for (let n = -1; n !== 0; size += n) {
        if (size === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafeSlow(buffer.length)]);
        n = readSync(fd, buffer, size, buffer.length - size, null);
      }
      return buffer.subarray(0, size);
    } finally {
      closeSync(fd);
    }
  };
  const add = (file: string) => hash.update(`${file}\0`).update(existsSync(file) ? read(file) : '\0(none)').update('\0');
  for (const file of clusterFiles(configDir)) {
    add(file);
    add(join(configDir, 'facts', `${basename(file).replace(/\.ya?ml$/, '')}.yaml`));
  }
  add(join(configDir, 'fleet.yaml'));
  return hash.digest('hex');
}

/**
 * JSON.stringify replacer for the input hashes: JSON writes -0 as 0 and NaN and ±Infinity as null, but YAML's
 * `-0`, `.nan`, `.inf` and `null` render differently (and mean different things to Helm). Those numbers become
 * `#`-prefixed strings, and a string that starts with `#` gets one more `#`, so no two inputs hash alike.
 */
function lossless(_key: string, value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '#-0' : Number.isFinite(value) ? value : `#${value}`;
  return typeof value === 'string' && value.startsWith('#') ? `#${value}` : value;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `e` has every field of an IndexEntry, of its type. */
function wellFormed(e: unknown): e is IndexEntry {
  return (
    isRecord(e) &&
    ['inputs', 'shape', 'stamps'].every((k) => typeof e[k] === 'string') &&
    ['applications', 'objects', 'files'].every((k) => typeof e[k] === 'number') &&
    typeof e.awaitingFacts === 'boolean' &&
    (e.racy === undefined || typeof e.racy === 'boolean')
  );
}

function readIndex(file: string | undefined, outDir: string, shapes: Shapes): SynthIndex {
  const empty: SynthIndex = { format: 4, outDir, clusters: {} };
  if (!file || !existsSync(file)) return empty;
  try {
    // Shapes interned as JSON.parse makes them: a copy per entry would otherwise live through the whole run.
    const index = JSON.parse(readFileSync(file, 'utf8'), (key, value: unknown) => (key === 'shape' && typeof value === 'string' ? shapes.intern(value) : value)) as SynthIndex;
    if (index?.format !== 4 || index.outDir !== outDir || !isRecord(index.clusters)) return empty;
    if (index.rawInputs !== undefined && typeof index.rawInputs !== 'string') return empty;
    // A damaged entry is forgotten (that cluster renders and compares), never trusted or crashed on.
    const clusters = Object.fromEntries(Object.entries(index.clusters).filter(([, e]) => wellFormed(e)));
    return { ...index, clusters, fleet: wellFormed(index.fleet) ? index.fleet : undefined };
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

const skippedResult = (name: string, known: IndexEntry): SynthClusterResult => ({
  name,
  applications: known.applications,
  objects: known.objects,
  write: { name, written: 0, unchanged: known.files, removed: 0 },
  ms: 0,
  skipped: true,
  awaitingFacts: known.awaitingFacts,
});

/**
 * The whole-run no-change check, under the writer's lock: the result when every selected cluster (and the fleet
 * folder) is indexed with matching stamps and, on a full synth, the output folder holds exactly the indexed
 * folders; otherwise undefined.
 */
function unchangedRun(writer: DistWriter, index: SynthIndex, only: readonly string[]): SynthResult | undefined {
  const names = [...new Set(only.length > 0 ? only : Object.keys(index.clusters))].sort();
  if (!names.every((n) => index.clusters[n] && stampsMatch(writer.outDir, n, index.clusters[n]))) return undefined;
  if (index.fleet && !stampsMatch(writer.outDir, FLEET_DIR, index.fleet)) return undefined;
  if (only.length === 0) {
    const expected = [...names, ...(index.fleet ? [FLEET_DIR] : [])].sort();
    const present = readdirSync(writer.outDir).filter((e) => !e.startsWith('.')).sort();
    if (JSON.stringify(present) !== JSON.stringify(expected)) return undefined;
  }
  for (const n of names) writer.keep(n);
  if (index.fleet) writer.keep(FLEET_DIR);
  writer.commit();
  return { clusters: names.map((n) => skippedResult(n, index.clusters[n])), prunedClusters: [], fleet: index.fleet ? skippedResult(FLEET_DIR, index.fleet).write : undefined };
}

/**
 * Renders the selected clusters into `outDir`. Rejects with ConfigError (config problems), RenderError, or
 * OutputError (foreign output folder, lock held); in every case the output folder is left as it was.
 */
export async function synth(options: SynthOptions): Promise<SynthResult> {
  const only = options.clusters ?? [];
  const outDir = resolve(options.outDir);
  const useIndex = options.codeVersion !== undefined && options.indexFile !== undefined;
  const shapes = new Shapes();
  const index = readIndex(useIndex ? options.indexFile : undefined, outDir, shapes);
  const raw = useIndex ? rawInputs(options.configDir, options.codeVersion!) : undefined;
  const writeOptions = { ...options.write, pruneClusters: only.length === 0 };
  let writer: DistWriter | undefined;
  try {
    if (raw !== undefined && index.rawInputs === raw) {
      // These bytes loaded and validated with this code last time, so the config is not loaded again.
      writer = new DistWriter(outDir, writeOptions);
      const unchanged = unchangedRun(writer, index, only);
      if (unchanged) return unchanged;
    }
    // Loaded on demand: a run that renders nothing never loads cdk8s and the charts.
    const [{ fleetProblems, loadFleet }, { ConfigError, loadClusters }, { ADDONS }, { renderFleet }, { renderCluster }] = await Promise.all([
      import('../config/fleet.ts'),
      import('../config/load.ts'),
      import('../charts/registry.ts'),
      import('./fleet.ts'),
      import('./render.ts'),
    ]);
    const loaded = loadClusters({ configDir: options.configDir, addons: ADDONS, only });
    const names = new Set(loaded.map((c) => c.name));
    const fleet = loadFleet({ configDir: options.configDir });
    if (fleet) {
      const problems = fleetProblems(fleet, loaded, only.length === 0);
      if (problems.length > 0) throw new ConfigError(problems);
    }
    const fleetJson = JSON.stringify(fleet ?? null, lossless);
    const inputsOf = (cluster: Cluster) => (useIndex ? createHash('sha256').update(`${options.codeVersion}\0${fleetJson}\0${JSON.stringify(cluster, lossless)}`).digest('hex') : '');
    // Clusters waiting for their turn are held serialized (v8.serialize: a structured clone, exact for every value a
    // config holds), about 4.5 KiB outside the JavaScript heap instead of 10 KiB of objects inside it, which V8
    // would let grow several times over before collecting (docs/output-and-performance.md, "Streaming and memory").
    const pending: (PendingCluster | undefined)[] = loaded.map((cluster) => ({ name: cluster.name, inputs: inputsOf(cluster), data: serialize(cluster) }));
    loaded.length = 0;
    writer ??= new DistWriter(outDir, writeOptions);
    const out = writer;

    const results: SynthClusterResult[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    /** Runs one cluster's staging in the background; the first failure stops the stream. */
    const track = (work: Promise<void>) => {
      const settled: Promise<void> = work.catch((error: unknown) => void (failure ??= { error })).finally(() => inFlight.delete(settled));
      inFlight.add(settled);
    };
    try {
      for (const [i, taken] of pending.entries()) {
        if (failure) break;
        // Dropped from the list as it is taken: the stream holds at most STREAM_DEPTH clusters.
        pending[i] = undefined;
        const { name, inputs } = taken!;
        const known = index.clusters[name];
        if (known && known.inputs === inputs && stampsMatch(outDir, name, known)) {
          out.keep(name);
          results[i] = skippedResult(name, known);
          continue;
        }
        const cluster = deserialize(taken!.data) as Cluster;
        const start = performance.now();
        const rendered = renderCluster(cluster, { fleet });
        const ms = performance.now() - start;
        const waiting = awaitingFacts(cluster);
        // What the result needs, taken now: the stream must not keep the rendered texts while the files are written.
        const { applications, objects } = rendered;
        const files = options.keepFiles ? rendered.files : undefined;
        const paths = [...rendered.files.keys()];
        track(
          out.stage(rendered).then((write) => {
            results[i] = { name, applications, objects, files, write, ms, skipped: false, awaitingFacts: waiting };
            // Stamped where the files are now: the swap renames the cluster folder, never the files inside it.
            if (useIndex) index.clusters[name] = indexEntry(name, out.folderOf(name), paths, { inputs, applications, objects, awaitingFacts: waiting }, shapes);
          }),
        );
        while (inFlight.size >= STREAM_DEPTH) await Promise.race(inFlight);
      }
    } finally {
      // Also on a render error: close() may remove staging folders only once no write is under way.
      await Promise.all(inFlight);
    }
    if (failure) throw failure.error;
    // The fleet folder holds no per-cluster data, so rendering it on a partial synth never touches other clusters.
    const renderedFleet = fleet ? renderFleet(fleet) : undefined;
    const fleetWrite = renderedFleet ? await out.stage(renderedFleet) : undefined;
    if (useIndex) index.fleet = renderedFleet ? indexEntry(FLEET_DIR, out.folderOf(FLEET_DIR), renderedFleet.files.keys(), { inputs: '', applications: 0, objects: 0, awaitingFacts: false }, shapes) : undefined;
    const summaries = out.commit();
    const prunedClusters = summaries.filter((s) => !names.has(s.name) && s.name !== FLEET_DIR && s !== fleetWrite);
    if (useIndex) {
      // A full run also forgets clusters that left the config (their folders are pruned, or were removed by hand).
      if (only.length === 0) for (const name of Object.keys(index.clusters)) if (!names.has(name)) delete index.clusters[name];
      // A partial run leaves the other clusters as they were: the fingerprint stays valid only if nothing changed.
      index.rawInputs = only.length === 0 || index.rawInputs === raw ? raw : undefined;
      try {
        writeIndex(options.indexFile!, index);
      } catch (err) {
        // Only an optimisation: without it the next run renders and compares every cluster.
        (options.write?.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`)))(`${options.indexFile}: not written (${(err as Error).message}); the next run renders every cluster`);
      }
    }
    return { clusters: results, prunedClusters, fleet: fleetWrite };
  } finally {
    writer?.close();
  }
}
