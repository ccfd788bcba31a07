/**
 * Writes rendered clusters into an output folder (dist/) safely:
 *
 * - **Only what it wrote.** The output folder carries a marker file ({@link MARKER_FILE}); each cluster folder is
 *   recognised by its `manifest.json` naming the cluster (the fleet folder by the header of its files). A non-empty
 *   folder that has no marker and holds anything else is refused; inside a marked folder, foreign folders are never
 *   replaced or pruned.
 * - **One run at a time.** A lock file ({@link LOCK_FILE}, created with O_EXCL) serialises runs; a lock left by a
 *   process that no longer runs is taken over with a notice, a live one is waited for (bounded), then refused.
 * - **Streaming.** Clusters are staged as they are rendered, with async I/O: the folders and files of one cluster
 *   are created on libuv's thread pool while the next one renders. stage() encodes the files into a reused buffer
 *   when called (see StagingBuffers), so the caller drops the rendered cluster at once (memory stays flat).
 * - **All or nothing.** Each cluster is first written in full into a staging folder beside its target. Before the
 *   first rename a journal ({@link JOURNAL_FILE}) lists every (target, staging, old) triple; the swap then renames
 *   folder by folder. A run killed during the swap leaves the journal, and the next run rolls it forward (every
 *   staged folder is complete, so forward is always possible) before doing anything else.
 *
 * Guarantee: after any run that ends, or the next run after one that was killed, every cluster folder is either
 * all the old output or all the new output of one run. Not covered: power loss or an OS crash (renames are not
 * fsync'ed), and processes that ignore the lock.
 */
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, open, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { RENDERED_HEADER } from './manifest-files.ts';
import type { RenderedCluster } from './render.ts';

export interface ClusterWriteSummary {
  readonly name: string;
  /** Files new or changed. */
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** Marks a folder as written by this tool. Deterministic (committed with dist/, compared by the CI check). */
export const MARKER_FILE = '.eks-platform';
/** Held while a run writes the folder; holds `{pid, host, since}` of the holder. */
export const LOCK_FILE = '.eks-platform.lock';
/** Present only between the first and the last rename of a swap; see the module comment. */
export const JOURNAL_FILE = '.eks-platform-journal.json';
const MARKER_TEXT = `${JSON.stringify({ generatedBy: 'eks-gitops-platform', command: 'npm run synth', format: 1 }, null, 2)}\n`;
const STAGING = '.staging-';
/** manifest.json of a cluster folder (src/review.ts) names its cluster and this generator. */
const CLUSTER_INDEX = 'manifest.json';
const GENERATED_BY = 'npm run synth';

/** The output folder cannot be used safely (foreign content, lock held); nothing was written. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

export interface WriteOptions {
  /** Remove folders of clusters that no longer exist (only on a full synth). @default false */
  readonly pruneClusters?: boolean;
  /** How long to wait for another run's lock, in milliseconds. @default 120000 */
  readonly lockTimeoutMs?: number;
  /** Where notices go (stale lock taken over, interrupted swap completed). @default writes a line to stderr */
  readonly onNotice?: (message: string) => void;
  /** Test hook: called before each rename of the swap, with its 0-based step number. @default none */
  readonly beforeRename?: (step: number) => void;
}

/** Lists files under `dir`, relative to it, with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;
const stderrNotice = (message: string) => void process.stderr.write(`${message}\n`);

/**
 * Whether `dir/name` is a folder this tool wrote: a cluster folder whose manifest.json names cluster `name`, or a
 * flat folder (the fleet's) whose every entry is a YAML file starting with the rendered-file header.
 */
export function isOwnFolder(dir: string, name: string): boolean {
  const full = join(dir, name);
  // lstat: a symbolic link is never this tool's folder, whatever it points to (files and dangling links neither).
  if (!lstatSync(full, { throwIfNoEntry: false })?.isDirectory()) return false;
  const index = join(full, CLUSTER_INDEX);
  if (existsSync(index)) {
    try {
      const parsed = JSON.parse(readFileSync(index, 'utf8')) as { cluster?: unknown; generatedBy?: unknown };
      return parsed.cluster === name && parsed.generatedBy === GENERATED_BY;
    } catch {
      return false;
    }
  }
  // The fleet folder is flat: a look at its direct entries (never a walk of, say, node_modules/) decides.
  const entries = readdirSync(full, { withFileTypes: true });
  return entries.length > 0 && entries.every((e) => e.isFile() && e.name.endsWith('.yaml') && readFileSync(join(full, e.name), 'utf8').startsWith(RENDERED_HEADER));
}

const ownHidden = (entry: string) => entry === MARKER_FILE || entry === LOCK_FILE || entry === JOURNAL_FILE || entry.startsWith(STAGING);

/** Refuses an output folder that is neither empty, nor marked, nor made only of folders this tool wrote. */
function checkOwnership(outDir: string): void {
  if (existsSync(join(outDir, MARKER_FILE))) return;
  const foreign = readdirSync(outDir).filter((e) => !ownHidden(e) && !isOwnFolder(outDir, e));
  if (foreign.length === 0) return;
  const shown = foreign.sort().slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} in all)` : '');
  throw new OutputError(
    `${outDir}: --out: got a non-empty folder not written by synth (no ${MARKER_FILE}; foreign entries: ${shown}); ` +
      'allowed: an empty or missing folder, or an output folder of a previous synth. Nothing was written or deleted.',
  );
}

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function readHolder(file: string): { text: string; holder?: LockHolder; ageMs: number } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const ageMs = Date.now() - statSync(file).mtimeMs;
    try {
      return { text, holder: JSON.parse(text) as LockHolder, ageMs };
    } catch {
      return { text, ageMs };
    }
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Takes the folder's lock (O_EXCL create). A lock of a dead process on this host (or an empty lock older than 10 s,
 * its writer killed between create and write) is moved aside and taken over, with a notice; a live one is waited
 * for up to `timeoutMs`. Returns the release function. Throws OutputError on timeout.
 */
function acquireLock(outDir: string, timeoutMs: number, notice: (m: string) => void): () => void {
  const file = join(outDir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, mine);
      closeSync(fd);
      return () => {
        if (readHolder(file)?.text === mine) rmSync(file, { force: true });
      };
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    const seen = readHolder(file);
    if (!seen) continue;
    const { holder } = seen;
    const stale = holder ? holder.host === hostname() && !isAlive(holder.pid) : seen.ageMs > 10_000;
    if (stale) {
      // Move it aside first: of two runs taking over at once, exactly one rename succeeds.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch (err) {
        if (errno(err) === 'ENOENT') continue;
        throw err;
      }
      if (readFileSync(aside, 'utf8') !== seen.text) {
        // Another run took over and locked in between: give its lock back.
        try {
          linkSync(aside, file);
        } catch {
          /* a third run holds it now; either way it is not ours */
        }
      } else {
        notice(`${file}: taking over the lock of ${holder ? `pid ${holder.pid} (since ${holder.since})` : 'an unknown process'}, which is no longer running`);
      }
      rmSync(aside, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'an unknown process';
      throw new OutputError(
        `${file}: another synth (${who}) is writing this folder; waited ${Math.round(timeoutMs / 1000)} s. ` +
          'Allowed: wait for it, or remove the lock file if that process is gone. Nothing was written.',
      );
    }
    sleep(100);
  }
}

/** One rename of a swap, names relative to the output folder. `staging` absent: a pruned folder. */
interface JournalEntry {
  readonly target: string;
  readonly staging?: string;
  readonly old: string;
}

function writeJournal(outDir: string, entries: readonly JournalEntry[]): void {
  const file = join(outDir, JOURNAL_FILE);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, `${JSON.stringify({ format: 1, entries }, null, 1)}\n`);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

/** The entries of a journal; OutputError when it is damaged (written with fsync and rename, so only by hand). */
function readJournal(file: string): JournalEntry[] {
  try {
    const { entries } = JSON.parse(readFileSync(file, 'utf8')) as { entries: JournalEntry[] };
    const name = (v: unknown) => typeof v === 'string' && v.length > 0 && !v.includes('/') && !v.includes('\\') && v !== '..';
    if (Array.isArray(entries) && entries.every((e) => name(e.target) && name(e.old) && (e.staging === undefined || name(e.staging)))) return entries;
  } catch {
    /* reported below */
  }
  throw new OutputError(`${file}: got a damaged swap journal; allowed: the file as synth wrote it. Restore dist/ (e.g. git checkout), remove the journal and the .staging-* folders, and re-run.`);
}

/**
 * Completes a swap: for each entry not done yet, target → old (if present), staging → target; pruned targets → old.
 * Idempotent, so a run killed here is completed by the next one from the same journal. Then removes the olds and
 * the journal.
 */
function rollForward(outDir: string, entries: readonly JournalEntry[], beforeRename?: (step: number) => void): void {
  let step = 0;
  const rename = (from: string, to: string) => {
    beforeRename?.(step++);
    renameSync(join(outDir, from), join(outDir, to));
  };
  for (const e of entries) {
    const target = join(outDir, e.target);
    if (e.staging) {
      if (!existsSync(join(outDir, e.staging))) continue; // swapped already
      if (existsSync(target)) rename(e.target, e.old);
      rename(e.staging, e.target);
    } else if (existsSync(target)) rename(e.target, e.old);
  }
  for (const e of entries) rmSync(join(outDir, e.old), { recursive: true, force: true });
  rmSync(join(outDir, JOURNAL_FILE), { force: true });
}

/**
 * Writes `bytes` as a file of a fresh staging folder. The open (which creates the inode and the folder entry: the
 * part that waits on a busy disk) runs on libuv's thread pool; the write into the page cache and the close follow at
 * once on the main thread. That is less than half the main-thread CPU per file of fs/promises' writeFile (a
 * FileHandle and a promise per step), which cost about 1.5 ms per cluster of 41 files.
 */
function writeNewFile(file: string, bytes: Uint8Array): Promise<void> {
  return new Promise((done, fail) =>
    open(file, 'w', (err, fd) => {
      if (err) return fail(err);
      try {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
        done();
      } catch (error) {
        fail(error as Error);
      } finally {
        closeSync(fd);
      }
    }),
  );
}

/** A staged cluster's files encoded (UTF-8) into one buffer: path → its bytes, a view into `buffer`. */
interface EncodedFiles {
  readonly buffer: Buffer;
  readonly files: ReadonlyMap<string, Buffer>;
}

/**
 * Buffers for the files being staged, reused from one cluster to the next. A cluster's files wait for their writes
 * while the next clusters render (see synth's stream): as strings they would outlive a few young-generation
 * collections, be copied and promoted, and fill the old generation with garbage (more full collections, a larger
 * heap); encoded at once into a reused buffer outside the heap, the strings die young and the bytes take a fixed few
 * buffers. A buffer goes back once its writes have finished; at most {@link SPARE_BUFFERS} are kept.
 */
class StagingBuffers {
  private readonly spare: Buffer[] = [];

  /** The files' UTF-8 bytes in one buffer (a spare one when one is large enough). */
  encode(files: ReadonlyMap<string, string>): EncodedFiles {
    let bytes = 0;
    for (const content of files.values()) bytes += Buffer.byteLength(content);
    const i = this.spare.findIndex((b) => b.length >= bytes);
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool (it is kept and reused).
    const buffer = i >= 0 ? this.spare.splice(i, 1)[0] : Buffer.allocUnsafeSlow(bytes);
    const views = new Map<string, Buffer>();
    let at = 0;
    for (const [path, content] of files) {
      const length = buffer.write(content, at);
      views.set(path, buffer.subarray(at, at + length));
      at += length;
    }
    return { buffer, files: views };
  }

  /** Gives a buffer back once nothing reads it any more: every comparison and write of its files has finished. */
  release(buffer: Buffer): void {
    if (this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
  }
}

/** Spare staging buffers kept: one per cluster synth stages at once (STREAM_DEPTH in src/synth.ts) and one more. */
const SPARE_BUFFERS = 5;

/** One stage() call, in call order: its summary, and its journal entry once it writes a staging folder. */
interface StageJob {
  summary?: ClusterWriteSummary;
  entry?: JournalEntry;
}

/**
 * An output folder opened for one run: locked, checked, recovered. Stage clusters (each is written to its staging
 * folder at once, so the caller can drop it; several stage() calls may be in flight), then `commit()` once every
 * stage() has settled; `close()` always, in a finally, also after every stage() has settled.
 */
export class DistWriter {
  private readonly stamp = `${process.pid}-${Date.now()}`;
  /** In stage() call order, so that summaries and the journal do not depend on which write finished first. */
  private readonly jobs: StageJob[] = [];
  private readonly kept = new Set<string>();
  /** Cluster name → its staging folder (absolute), for the clusters this run writes. */
  private readonly stagingFolders = new Map<string, string>();
  private readonly release: () => void;
  private readonly buffers = new StagingBuffers();
  private done = false;

  /**
   * Creates `outDir` when missing, takes its lock, refuses a foreign folder (OutputError), completes a swap a killed
   * run left (journal), removes staging leftovers of dead runs and writes the marker.
   */
  constructor(
    readonly outDir: string,
    private readonly options: WriteOptions = {},
  ) {
    const notice = options.onNotice ?? stderrNotice;
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new OutputError(`${outDir}: --out: got a file; allowed: a folder`);
    mkdirSync(outDir, { recursive: true });
    this.release = acquireLock(outDir, options.lockTimeoutMs ?? 120_000, notice);
    try {
      checkOwnership(outDir);
      const journal = join(outDir, JOURNAL_FILE);
      if (existsSync(journal)) {
        const entries = readJournal(journal);
        notice(`${journal}: completing the swap of ${entries.length} folders that an interrupted run left`);
        rollForward(outDir, entries);
      }
      // Under the lock, staging folders belong to dead runs only (never part of the output).
      for (const entry of readdirSync(outDir)) if (entry.startsWith(STAGING) || entry === `${JOURNAL_FILE}.tmp`) rmSync(join(outDir, entry), { recursive: true, force: true });
      if (!existsSync(join(outDir, MARKER_FILE)) || readFileSync(join(outDir, MARKER_FILE), 'utf8') !== MARKER_TEXT) writeFileSync(join(outDir, MARKER_FILE), MARKER_TEXT);
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /** Marks a folder as current without writing it (e.g. known unchanged), so a full synth does not prune it. */
  keep(name: string): void {
    this.kept.add(name);
  }

  /**
   * Compares one rendered cluster with its folder and, if anything differs, writes it in full to a staging folder
   * (async I/O; its files are written concurrently). Identical output is not rewritten (files keep their mtime).
   * Rejects with OutputError if the target folder is foreign. The files are encoded before this returns (see
   * StagingBuffers): the caller may drop `cluster` at once.
   */
  stage(cluster: RenderedCluster): Promise<ClusterWriteSummary> {
    const job: StageJob = {};
    this.jobs.push(job);
    const target = join(this.outDir, cluster.name);
    if (lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) {
      return Promise.reject(new OutputError(`${target}: got a symbolic link; allowed: a folder written by synth (move the link away, or another --out). Nothing was written.`));
    }
    if (existsSync(target) && !isOwnFolder(this.outDir, cluster.name)) {
      return Promise.reject(
        new OutputError(`${target}: got a folder not written by synth (no ${CLUSTER_INDEX} naming cluster ${cluster.name}); allowed: move it away, or another --out. Nothing was written.`),
      );
    }
    this.kept.add(cluster.name);
    const encoded = this.buffers.encode(cluster.files);
    // Reused only after a success: after a failure, writes of other files may still be under way (the run fails).
    return this.write(job, cluster.name, target, encoded.files).then((summary) => (this.buffers.release(encoded.buffer), summary));
  }

  /** stage() once the files are encoded: compare, then write the staging folder if anything differs. */
  private async write(job: StageJob, name: string, target: string, files: ReadonlyMap<string, Buffer>): Promise<ClusterWriteSummary> {
    const before = new Set(listFiles(target));
    // A symbolic link with the right content is not the right file: only a regular file counts as unchanged.
    const same = await Promise.all(
      [...files].map(async ([path, bytes]) => before.has(path) && (await lstat(join(target, path))).isFile() && (await readFile(join(target, path))).equals(bytes)),
    );
    for (const path of files.keys()) before.delete(path);
    const unchanged = same.filter(Boolean).length;
    const summary = { name, written: same.length - unchanged, unchanged, removed: before.size };
    job.summary = summary;
    if (summary.written === 0 && summary.removed === 0) return summary;
    const stagingName = `${STAGING}${name}-${this.stamp}`;
    const staging = join(this.outDir, stagingName);
    // Recorded first, so that close() removes it if writing fails half-way.
    job.entry = { target: name, staging: stagingName, old: `${stagingName}-old` };
    this.stagingFolders.set(name, staging);
    // One mkdir per folder, not per file (it was a third of the write time on a 100-cluster synth); folders first,
    // then every file at once: the thread pool writes them while the caller renders the next cluster.
    const dirs = new Set([staging, ...[...files.keys()].map((path) => dirname(join(staging, path)))]);
    await mkdir(staging, { recursive: true });
    await Promise.all([...dirs].map((dir) => mkdir(dir, { recursive: true })));
    await Promise.all([...files].map(([path, bytes]) => writeNewFile(join(staging, path), bytes)));
    return summary;
  }

  /** The folder that holds `name`'s files once staged: its staging folder if this run wrote one, else the target. */
  folderOf(name: string): string {
    return this.stagingFolders.get(name) ?? join(this.outDir, name);
  }

  /**
   * Swaps every staged folder in (journaled, see the module comment) and, with `pruneClusters`, removes this tool's
   * folders that were neither staged nor kept. Returns one summary per staged cluster, then one per pruned folder.
   */
  commit(): ClusterWriteSummary[] {
    const entries = this.jobs.flatMap((j) => (j.entry ? [j.entry] : []));
    const pruned: ClusterWriteSummary[] = [];
    if (this.options.pruneClusters) {
      for (const entry of readdirSync(this.outDir).sort()) {
        if (this.kept.has(entry) || entry.startsWith('.') || !isOwnFolder(this.outDir, entry)) continue;
        pruned.push({ name: entry, written: 0, unchanged: 0, removed: listFiles(join(this.outDir, entry)).length });
        entries.push({ target: entry, old: `${STAGING}${entry}-${this.stamp}-pruned` });
      }
    }
    if (entries.length > 0) {
      writeJournal(this.outDir, entries);
      // From here on a failure leaves the journal for the next run: the staged folders must survive it.
      this.done = true;
      rollForward(this.outDir, entries, this.options.beforeRename);
    }
    this.done = true;
    return [...this.jobs.flatMap((j) => (j.summary ? [j.summary] : [])), ...pruned];
  }

  /** Removes this run's staging folders unless committed, and releases the lock. */
  close(): void {
    try {
      if (!this.done) for (const j of this.jobs) if (j.entry) rmSync(join(this.outDir, j.entry.staging!), { recursive: true, force: true });
    } finally {
      this.release();
    }
  }
}

/**
 * Writes all `clusters` at once through a {@link DistWriter} (staged one after the other); see the module comment for
 * the guarantees. Rejects with OutputError or the file system's error; the output folder is then left as it was.
 */
export async function writeDist(outDir: string, clusters: readonly RenderedCluster[], options: WriteOptions = {}): Promise<ClusterWriteSummary[]> {
  const writer = new DistWriter(outDir, options);
  try {
    for (const cluster of clusters) await writer.stage(cluster);
    return writer.commit();
  } finally {
    writer.close();
  }
}
