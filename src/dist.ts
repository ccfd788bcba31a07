/**
 * Writes rendered clusters into the output folder, all or nothing per run: every cluster is first written in full
 * to a staging folder beside its target, then the staged folders replace the old ones by rename. Files of
 * removed add-ons (and, on a full synth, folders of removed clusters) disappear; clusters not rendered this run are
 * left as they are.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { RenderedCluster } from './render.ts';

export interface ClusterWriteSummary {
  readonly name: string;
  /** Files new or changed. */
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

export interface WriteOptions {
  /** Remove folders of clusters that no longer exist (only on a full synth). @default false */
  readonly pruneClusters?: boolean;
}

const STAGING = '.staging-';

/** Lists files under `dir`, relative to it, with `/` separators. */
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

export function writeDist(outDir: string, clusters: readonly RenderedCluster[], options: WriteOptions = {}): ClusterWriteSummary[] {
  mkdirSync(outDir, { recursive: true });
  // Leftovers of a run that was killed half-way (never part of the output).
  for (const entry of readdirSync(outDir)) if (entry.startsWith(STAGING)) rmSync(join(outDir, entry), { recursive: true, force: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const staged: Array<{ target: string; staging: string }> = [];
  const summaries: ClusterWriteSummary[] = [];
  try {
    for (const cluster of clusters) {
      const target = join(outDir, cluster.name);
      const staging = join(outDir, `${STAGING}${cluster.name}-${stamp}`);
      const before = new Set(listFiles(target));
      let written = 0;
      let unchanged = 0;
      for (const [path, content] of cluster.files) {
        if (before.has(path) && readFileSync(join(target, path), 'utf8') === content) unchanged++;
        else written++;
        before.delete(path);
      }
      summaries.push({ name: cluster.name, written, unchanged, removed: before.size });
      // Identical output is not rewritten: no I/O, and files keep their mtime (make, rsync and editors notice nothing).
      if (written === 0 && before.size === 0) continue;
      const dirs = new Set<string>([staging]);
      mkdirSync(staging, { recursive: true });
      for (const [path, content] of cluster.files) {
        const file = join(staging, path);
        const dir = dirname(file);
        // One mkdir per folder, not per file: it was a third of the write time on a 100-cluster synth.
        if (!dirs.has(dir)) mkdirSync(dir, { recursive: true });
        dirs.add(dir);
        writeFileSync(file, content);
      }
      staged.push({ target, staging });
    }
  } catch (err) {
    for (const entry of readdirSync(outDir)) if (entry.startsWith(STAGING) && entry.endsWith(stamp)) rmSync(join(outDir, entry), { recursive: true, force: true });
    throw err;
  }

  // Swap: each rename is atomic, and nothing above could fail after the first one.
  for (const { target, staging } of staged) {
    const old = `${staging}-old`;
    if (existsSync(target)) renameSync(target, old);
    renameSync(staging, target);
    rmSync(old, { recursive: true, force: true });
  }

  if (options.pruneClusters) {
    const names = new Set(clusters.map((c) => c.name));
    for (const entry of readdirSync(outDir)) {
      const full = join(outDir, entry);
      if (names.has(entry) || entry.startsWith('.') || !statSync(full).isDirectory()) continue;
      summaries.push({ name: entry, written: 0, unchanged: 0, removed: listFiles(full).length });
      rmSync(full, { recursive: true, force: true });
    }
  }
  return summaries;
}
