/**
 * Issue 16: clusters are rendered and staged as a stream, a no-change run is decided from the inputs (a fingerprint
 * of the raw config bytes and the code version, then the per-cluster input hash) and the stamps in the index, without
 * reading files back: it loads no config, renders nothing and rewrites no file, it still notices hand edits of the
 * output and config changes made by partial runs in between, and every run gives exactly the bytes of a fresh synth.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadClusters } from '../config/load.ts';
import { listFiles } from '../src/dist.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { racyStamps, synth, type SynthOptions } from '../src/synth.ts';
import { mixedFleetConfig } from '../scripts/mixed-fleet.ts';
import { editCluster, FIXTURE_CONFIG, tempConfig, tempDir } from './helpers.ts';

// Counts the config loads; the real loader runs.
vi.mock('../config/load.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../config/load.ts')>();
  return { ...original, loadClusters: vi.fn(original.loadClusters) };
});

/** Path → [sha256, mtimeMs, ino] of every file under `dir`: a rewrite (in place or by a swap) shows in one of them. */
function state(dir: string): Record<string, [string, number, number]> {
  return Object.fromEntries(
    listFiles(dir).map((f) => {
      const s = statSync(join(dir, f));
      return [f, [createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'), s.mtimeMs, s.ino]];
    }),
  );
}
const bytes = (dir: string) => Object.fromEntries(Object.entries(state(dir)).map(([f, [sha]]) => [f, sha]));

/** Sets every file's mtime an hour back, so that any rewrite shows as a newer mtime. */
function age(dir: string): void {
  const past = new Date(Date.now() - 3_600_000);
  for (const f of listFiles(dir)) utimesSync(join(dir, f), past, past);
}

describe('streaming synth with the no-change index', () => {
  const fleet = () => mixedFleetConfig(tempDir('platform-config-'), 6, FIXTURE_CONFIG);
  const indexes = new Map<string, string>();
  /** Options of a CLI-like run: code version and an index file (one per output folder, outside it). */
  const indexed = (configDir: string, outDir: string, extra: Partial<SynthOptions> = {}): SynthOptions => {
    if (!indexes.has(outDir)) indexes.set(outDir, join(tempDir(), 'index.json'));
    return { configDir, outDir, codeVersion: 'v1', indexFile: indexes.get(outDir), ...extra };
  };

  it('gives, after config edits, exactly the bytes of a fresh full synth', async () => {
    const config = fleet();
    const out = tempDir();
    await synth(indexed(config, out));
    // 3, not the default 2: the loader fills defaults, so writing a default out changes no input (and no byte).
    editCluster(config, 'c0001', (d) => (d.addons.reloader = { replicas: 3 }));
    editCluster(config, 'c0004', (d) => (d.addons.reloader = { enabled: false }));
    rmSync(join(config, 'clusters', 'c0006.yaml'));
    const facts = join(config, 'facts', 'c0002.yaml');
    writeFileSync(facts, readFileSync(facts, 'utf8').replace(/^efsFileSystemId: .*$/m, 'efsFileSystemId: fs-0f1e2d3c4b5a69999'));
    const again = await synth(indexed(config, out));
    expect(again.clusters.filter((c) => !c.skipped).map((c) => c.name)).toEqual(['c0001', 'c0002', 'c0004']);
    expect(again.prunedClusters.map((p) => p.name)).toEqual(['c0006']);
    const fresh = tempDir();
    await synth({ configDir: config, outDir: fresh });
    expect(bytes(out)).toEqual(bytes(fresh));
  });

  it('rewrites no file when nothing changed, and then renders nothing', async () => {
    const config = fleet();
    const out = tempDir();
    await synth(indexed(config, out));
    age(out); // changes every ctime too: the index no longer matches, so this run renders and compares
    const before = state(out);
    const compared = await synth(indexed(config, out));
    expect(compared.clusters.every((c) => !c.skipped && c.write.written === 0 && c.write.removed === 0)).toBe(true);
    expect(state(out)).toEqual(before);
    const skipped = await synth(indexed(config, out));
    expect(skipped.clusters.map((c) => [c.name, c.skipped, c.ms])).toEqual(['c0001', 'c0002', 'c0003', 'c0004', 'c0005', 'c0006'].map((n) => [n, true, 0]));
    expect(skipped.clusters[0].write).toEqual({ name: 'c0001', written: 0, unchanged: listFiles(join(out, 'c0001')).length, removed: 0 });
    expect(skipped.clusters[0].applications).toBe(compared.clusters[0].applications);
    expect(state(out)).toEqual(before);
  });

  it('notices hand edits, added and deleted files, and a new code version', async () => {
    const config = fleet();
    const out = tempDir();
    await synth(indexed(config, out));
    const good = bytes(out);
    const app = 'apps/application_argocd_c0002-reloader.yaml';
    appendFileSync(join(out, 'c0002', app), '# edited by hand\n');
    writeFileSync(join(out, 'c0003', 'apps', 'extra.yaml'), 'kind: x\n');
    rmSync(join(out, 'c0005', 'README.md'));
    const repaired = await synth(indexed(config, out));
    expect(repaired.clusters.filter((c) => !c.skipped).map((c) => [c.name, c.write.written, c.write.removed])).toEqual([
      ['c0002', 1, 0],
      ['c0003', 0, 1],
      ['c0005', 1, 0],
    ]);
    expect(bytes(out)).toEqual(good);
    const newCode = await synth(indexed(config, out, { codeVersion: 'v2' }));
    expect(newCode.clusters.every((c) => !c.skipped)).toBe(true);
  });

  it('says "1 cluster" and "2 clusters" in the summary', () => {
    const config = tempConfig();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'platform.mjs'), 'synth', '--config', config, '--out', tempDir(), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(run('--cluster', 'dev').stdout).toMatch(/^synth: 1 cluster in \d+ ms -> /m);
    expect(run().stdout).toMatch(/^synth: 2 clusters in \d+ ms -> /m);
  });
});

describe('no-change runs decided from the inputs', () => {
  const loads = vi.mocked(loadClusters);
  beforeEach(() => {
    loads.mockClear();
  });
  const setup = () => {
    const config = mixedFleetConfig(tempDir('platform-config-'), 5, FIXTURE_CONFIG);
    const out = tempDir();
    const options: SynthOptions = { configDir: config, outDir: out, codeVersion: 'v1', indexFile: join(tempDir(), 'index.json') };
    return { config, out, options };
  };

  it('loads no config, renders nothing and rewrites no file (same mtime and inode) when nothing changed', async () => {
    const { out, options } = setup();
    const first = await synth(options);
    const before = state(out);
    loads.mockClear();
    const again = await synth(options);
    expect(loads).not.toHaveBeenCalled();
    expect(again.clusters.map((c) => [c.name, c.skipped, c.write.written])).toEqual(first.clusters.map((c) => [c.name, true, 0]));
    expect(again.clusters.map((c) => [c.applications, c.objects, c.write.unchanged])).toEqual(first.clusters.map((c) => [c.applications, c.objects, c.write.written]));
    expect(state(out)).toEqual(before);
    // A partial run of an unchanged fleet takes the same path.
    const one = await synth({ ...options, clusters: ['c0003'] });
    expect(one.clusters.map((c) => [c.name, c.skipped])).toEqual([['c0003', true]]);
    expect(loads).not.toHaveBeenCalled();
  });

  it('loads and renders again when a config byte, or the code version, changes', async () => {
    const { config, options } = setup();
    await synth(options);
    loads.mockClear();
    writeFileSync(join(config, 'clusters', 'c0002.yaml'), `${readFileSync(join(config, 'clusters', 'c0002.yaml'), 'utf8')}# a comment\n`);
    const comment = await synth(options);
    expect(loads).toHaveBeenCalledTimes(1);
    // A comment changes no loaded input: every cluster is still skipped, by the per-cluster hash.
    expect(comment.clusters.every((c) => c.skipped)).toBe(true);
    const newCode = await synth({ ...options, codeVersion: 'v2' });
    expect(newCode.clusters.every((c) => !c.skipped)).toBe(true);
  });

  it('renders again when a value changes between 0, -0, .nan, .inf and null (JSON writes them alike)', async () => {
    const { config, out, options } = setup();
    const steps: unknown[] = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, null, '#-0'];
    for (const [i, value] of steps.entries()) {
      editCluster(config, 'c0002', (d) => (d.addons['metrics-server'] = { values: { extraFlag: value } }));
      const run = await synth(options);
      if (i > 0) expect(run.clusters.filter((c) => !c.skipped).map((c) => c.name), String(value)).toEqual(['c0002']);
      const fresh = tempDir();
      await synth({ configDir: config, outDir: fresh });
      expect(bytes(out), String(value)).toEqual(bytes(fresh));
    }
  });

  it('does not let a partial run hide a config change of another cluster from the next full run', async () => {
    const { config, out, options } = setup();
    await synth(options);
    editCluster(config, 'c0002', (d) => (d.addons.reloader = { replicas: 3 }));
    const partial = await synth({ ...options, clusters: ['c0001'] });
    expect(partial.clusters.map((c) => [c.name, c.skipped])).toEqual([['c0001', true]]);
    const full = await synth(options);
    expect(full.clusters.filter((c) => !c.skipped).map((c) => c.name)).toEqual(['c0002']);
    const fresh = tempDir();
    await synth({ configDir: config, outDir: fresh });
    expect(bytes(out)).toEqual(bytes(fresh));
  });

  it('notices a hand edit that keeps the size and puts the mtime back (by the ctime)', async () => {
    const { out, options } = setup();
    await synth(options);
    const good = bytes(out);
    const file = join(out, 'c0003', 'README.md');
    // A whole-second mtime, so that putting it back is exact; the next run renders, compares and re-stamps.
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    await synth(options);
    const { size } = statSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('c0003', 'c0O03'));
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file)).toMatchObject({ size, mtimeMs: 1_700_000_000_000 });
    const repaired = await synth(options);
    expect(repaired.clusters.filter((c) => !c.skipped).map((c) => [c.name, c.write.written])).toEqual([['c0003', 1]]);
    expect(bytes(out)).toEqual(good);
  });

  it('takes a damaged index as no index: damaged entries render and compare again, nothing crashes', async () => {
    const { out, options } = setup();
    await synth(options);
    const good = bytes(out);
    const index = JSON.parse(readFileSync(options.indexFile!, 'utf8')) as { clusters: Record<string, unknown>; fleet?: unknown };
    for (const damaged of [{ ...index, clusters: null }, { ...index, clusters: [] }, { ...index, clusters: { ...index.clusters, c0003: null, c0004: { shape: 1 } } }, null]) {
      writeFileSync(options.indexFile!, JSON.stringify(damaged));
      const run = await synth(options);
      const rendered = run.clusters.filter((c) => !c.skipped).map((c) => c.name);
      expect(rendered.length, JSON.stringify(damaged).slice(0, 80)).toBeGreaterThan(0);
      if (damaged?.clusters && !Array.isArray(damaged.clusters)) expect(rendered).toEqual(['c0003', 'c0004']);
      expect(run.clusters.every((c) => c.write.written === 0)).toBe(true);
      expect(bytes(out)).toEqual(good);
    }
  });

  it('renders and compares again a cluster whose stamps were racy (whole-second times taken as they were written)', async () => {
    const { out, options } = setup();
    await synth(options);
    // This file system keeps nanoseconds: nothing is racy here.
    const index = JSON.parse(readFileSync(options.indexFile!, 'utf8')) as { clusters: Record<string, { racy?: boolean }> };
    expect(Object.values(index.clusters).filter((e) => e.racy)).toEqual([]);
    index.clusters.c0003.racy = true;
    writeFileSync(options.indexFile!, JSON.stringify(index));
    const before = state(out);
    const run = await synth(options);
    expect(run.clusters.filter((c) => !c.skipped).map((c) => [c.name, c.write.written])).toEqual([['c0003', 0]]);
    expect(state(out)).toEqual(before);
    const now = 1_700_000_000_000;
    expect(racyStamps([now - 5000, now - 1000], now)).toBe(true);
    expect(racyStamps([now - 5000, now - 3000], now)).toBe(false);
    expect(racyStamps([now - 5000, now - 1000.25], now)).toBe(false);
  });

  it('refuses a cluster folder replaced by a symbolic link, and replaces a file replaced by one', async () => {
    const { out, options } = setup();
    await synth(options);
    // A file replaced by a link to the same bytes: rendered again, and a regular file once more.
    const file = join(out, 'c0001', 'manifest.json');
    const copy = join(tempDir(), 'manifest.json');
    cpSync(file, copy);
    rmSync(file);
    symlinkSync(copy, file);
    const run = await synth(options);
    expect(run.clusters.filter((c) => !c.skipped).map((c) => c.name)).toEqual(['c0001']);
    expect(lstatSync(file).isFile()).toBe(true);
    // The whole folder replaced by a link to a copy of it: refused, nothing changed on either side of the link.
    const moved = join(tempDir(), 'c0002');
    renameSync(join(out, 'c0002'), moved);
    symlinkSync(moved, join(out, 'c0002'));
    const before = state(moved);
    await expect(synth(options)).rejects.toThrow(`${join(out, 'c0002')}: got a symbolic link; allowed: a folder written by synth`);
    expect(lstatSync(join(out, 'c0002')).isSymbolicLink()).toBe(true);
    expect(state(moved)).toEqual(before);
  });

  it('notices a file added in a new folder, a deleted cluster folder and a cluster folder added by hand', async () => {
    const { config, out, options } = setup();
    await synth(options);
    const good = bytes(out);
    mkdirSync(join(out, 'c0004', 'extra'));
    writeFileSync(join(out, 'c0004', 'extra', 'x.yaml'), 'kind: x\n');
    rmSync(join(out, 'c0005'), { recursive: true });
    const repaired = await synth(options);
    expect(repaired.clusters.filter((c) => !c.skipped).map((c) => [c.name, c.write.written, c.write.removed])).toEqual([
      ['c0004', 0, 1],
      ['c0005', Object.keys(good).filter((f) => f.startsWith('c0005/')).length, 0],
    ]);
    expect(bytes(out)).toEqual(good);
    // A copy of a cluster folder under the name of a cluster that left the config is pruned, as by a full render.
    rmSync(join(config, 'clusters', 'c0001.yaml'));
    await synth(options);
    const copy = await synth(options);
    expect(copy.clusters.every((c) => c.skipped)).toBe(true);
    mkdirSync(join(out, 'c0001'));
    writeFileSync(join(out, 'c0001', 'manifest.json'), readFileSync(join(out, 'c0002', 'manifest.json'), 'utf8').replace(/c0002/g, 'c0001'));
    const pruned = await synth(options);
    expect(pruned.prunedClusters.map((p) => p.name)).toEqual(['c0001']);
  });
});
