/**
 * Issue 13 findings 6–8: synth only deletes what it wrote (marker), serialises concurrent runs (lock), and a run
 * killed during the swap is completed by the next one (journal), so a cluster folder is never a mix of runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DistWriter, JOURNAL_FILE, listFiles, LOCK_FILE, MARKER_FILE, OutputError, writeDist } from '../src/dist.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import type { RenderedCluster } from '../src/render.ts';
import { synth } from '../src/synth.ts';
import { mixedFleetConfig } from '../scripts/mixed-fleet.ts';
import { FIXTURE_CONFIG, tempConfig, tempDir } from './helpers.ts';

const LAUNCHER = join(PROJECT_ROOT, 'bin', 'platform.mjs');
const TSX = pathToFileURL(join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Path → sha256 of every file under `dir` (hidden ones included). */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

/** A folder that looks like a clone of this project, with a rendered dist/ inside. */
async function projectLike(): Promise<string> {
  const dir = tempDir('platform-clone-');
  for (const d of ['apps', 'bin', 'bootstrap', 'charts', 'config/clusters', 'imports', 'node_modules/x', 'scripts', 'src', 'test']) {
    mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, d, 'file.ts'), `// ${d}\n`);
  }
  writeFileSync(join(dir, 'package.json'), '{}\n');
  await synth({ configDir: FIXTURE_CONFIG, outDir: join(dir, 'dist') });
  return dir;
}

const cli = (args: string[]) => spawnSync(process.execPath, [LAUNCHER, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });

describe('synth deletes only what it wrote (issue 13 #6)', () => {
  it('refuses --out at a clone of the project and deletes nothing', async () => {
    const clone = await projectLike();
    const before = snapshot(clone);
    const r = cli(['synth', '--config', FIXTURE_CONFIG, '--out', clone]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${clone}: --out: got a non-empty folder not written by synth (no ${MARKER_FILE}; foreign entries: apps, bin, bootstrap, charts, config, …`);
    expect(r.stderr).toContain('Nothing was written or deleted.');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshot(clone)).toEqual(before);
  });

  it('refuses a folder with foreign sub-folders and deletes nothing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'photos', '2024'), { recursive: true });
    writeFileSync(join(dir, 'photos', '2024', 'a.jpg'), 'jpg');
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'todo.md'), '- x\n');
    const before = snapshot(dir);
    await expect(synth({ configDir: tempConfig(), outDir: dir })).rejects.toThrow(OutputError);
    await expect(synth({ configDir: tempConfig(), outDir: dir })).rejects.toThrow(/foreign entries: notes, photos\); allowed: an empty or missing folder/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('writes a deterministic marker and never prunes or replaces a foreign folder inside a marked one', async () => {
    const config = tempConfig();
    const out = tempDir();
    await synth({ configDir: config, outDir: out });
    // The same bytes from another run at another time (the committed dist/ carries it, and CI compares it).
    const again = tempDir();
    await synth({ configDir: config, outDir: again });
    expect(readFileSync(join(out, MARKER_FILE), 'utf8')).toBe(readFileSync(join(again, MARKER_FILE), 'utf8'));
    expect(readFileSync(join(out, MARKER_FILE), 'utf8')).not.toMatch(new RegExp(`${process.pid}|${new Date().getFullYear()}-`));
    // Someone's folder inside dist/: a full synth (which prunes removed clusters) leaves it alone.
    mkdirSync(join(out, 'notes'));
    writeFileSync(join(out, 'notes', 'todo.md'), '- x\n');
    const result = await synth({ configDir: config, outDir: out });
    expect(result.prunedClusters).toEqual([]);
    expect(readFileSync(join(out, 'notes', 'todo.md'), 'utf8')).toBe('- x\n');
    // A foreign folder where a cluster goes is not replaced.
    const other = tempDir();
    writeFileSync(join(other, MARKER_FILE), readFileSync(join(out, MARKER_FILE)));
    mkdirSync(join(other, 'dev'));
    writeFileSync(join(other, 'dev', 'mine.txt'), 'keep\n');
    await expect(synth({ configDir: config, outDir: other })).rejects.toThrow(`${join(other, 'dev')}: got a folder not written by synth (no manifest.json naming cluster dev)`);
    expect(readFileSync(join(other, 'dev', 'mine.txt'), 'utf8')).toBe('keep\n');
    expect(readdirSync(other).sort()).toEqual([MARKER_FILE, 'dev']);
  });

  it('adopts an output folder of an older synth (no marker, only its own cluster folders)', async () => {
    // An output of the fixture config, as an older synth left it (the same folders, no marker).
    const fresh = tempDir();
    await synth({ configDir: FIXTURE_CONFIG, outDir: fresh });
    const out = tempDir();
    cpSync(fresh, out, { recursive: true, filter: (src) => !src.endsWith(MARKER_FILE) });
    expect(existsSync(join(out, MARKER_FILE))).toBe(false);
    await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    expect(existsSync(join(out, MARKER_FILE))).toBe(true);
    expect(snapshot(out)).toEqual(snapshot(fresh));
  });
});

describe('concurrent runs are serialised (issue 13 #7)', () => {
  it('two real synths at once on a many-cluster fleet both succeed and lose no cluster folder', async () => {
    const config = mixedFleetConfig(tempDir('platform-config-'), 16, FIXTURE_CONFIG);
    const out = tempDir();
    const runOnce = () =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, [LAUNCHER, 'synth', '--config', config, '--out', out], { cwd: PROJECT_ROOT });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.resume();
        child.on('close', (code) => done({ code, stderr }));
      });
    const results = await Promise.all([runOnce(), runOnce()]);
    for (const r of results) {
      expect(r.stderr).not.toContain('ENOENT');
      expect(r.code).toBe(0);
    }
    const entries = readdirSync(out).sort();
    expect(entries).toEqual([MARKER_FILE, ...Array.from({ length: 16 }, (_, i) => `c${String(i + 1).padStart(4, '0')}`)]);
    for (const c of entries.slice(1)) expect(existsSync(join(out, c, 'manifest.json'))).toBe(true);
  });

  it('takes over the lock of a dead process with a notice', async () => {
    const out = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const notices: string[] = [];
    await writeDist(out, [fakeCluster('a', 1)], { onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([`${join(out, LOCK_FILE)}: taking over the lock of pid ${dead.stdout} (since 2026-01-01T00:00:00.000Z), which is no longer running`]);
    expect(readdirSync(out).sort()).toEqual([MARKER_FILE, 'a']);
  });

  it("waits for a live lock, then fails clearly, writes nothing and leaves the live run's staging alone", async () => {
    const out = tempDir();
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(out, LOCK_FILE), lock);
    // The live run (this process, by its lock) is staging a cluster.
    mkdirSync(join(out, `.staging-c0001-${process.pid}-1`, 'apps'), { recursive: true });
    const start = Date.now();
    await expect(writeDist(out, [fakeCluster('a', 1)], { lockTimeoutMs: 300 })).rejects.toThrow(
      `${join(out, LOCK_FILE)}: another synth (pid ${process.pid} on ${hostname()} since 2026-01-01T00:00:00.000Z) is writing this folder`,
    );
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect(readdirSync(out).sort()).toEqual([LOCK_FILE, `.staging-c0001-${process.pid}-1`].sort());
    expect(readFileSync(join(out, LOCK_FILE), 'utf8')).toBe(lock);
  });
});

/** A cluster folder as synth writes it (manifest.json naming it), with content version `v`. */
function fakeCluster(name: string, v: number): RenderedCluster {
  const files = new Map([
    ['apps/app.yaml', `version: ${v}\n`],
    ['manifest.json', `${JSON.stringify({ cluster: name, generatedBy: 'npm run synth', version: v })}\n`],
  ]);
  return { name, files, applications: 1, objects: 1 };
}

describe('a swap killed at any rename is completed by the next run (issue 13 #8)', () => {
  // Old: a, b, c, gone at version 1. New: a and b changed, c unchanged, d added, gone pruned: 6 renames.
  const OLD = [fakeCluster('a', 1), fakeCluster('b', 1), fakeCluster('c', 1), fakeCluster('gone', 1)];
  const NEW = [fakeCluster('a', 2), fakeCluster('b', 2), fakeCluster('c', 1), fakeCluster('d', 2)];
  const STEPS = 6;

  it('counts the renames it journals', async () => {
    const out = tempDir();
    await writeDist(out, OLD);
    const steps: number[] = [];
    await writeDist(out, NEW, { pruneClusters: true, beforeRename: (s) => steps.push(s) });
    expect(steps).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('SIGKILLed before each rename, leaves all-new output after the next run (never a mix)', async () => {
    const expected = tempDir();
    await writeDist(expected, OLD);
    await writeDist(expected, NEW, { pruneClusters: true });
    const allNew = snapshot(expected);
    const script = join(tempDir(), 'killed-run.ts');
    writeFileSync(
      script,
      [
        `import { writeDist } from ${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, 'src', 'dist.ts')).href)};`,
        `const [out, step, clusters] = [process.argv[2], Number(process.argv[3]), JSON.parse(process.argv[4])];`,
        `void writeDist(out, clusters.map((c) => ({ ...c, files: new Map(c.files) })), { pruneClusters: true, beforeRename: (s) => { if (s === step) process.kill(process.pid, 'SIGKILL'); } });`,
      ].join('\n'),
    );
    const payload = JSON.stringify(NEW.map((c) => ({ ...c, files: [...c.files] })));
    const outs = Array.from({ length: STEPS }, () => tempDir());
    for (const out of outs) await writeDist(out, OLD);
    const allOld = snapshot(outs[0]);
    const signals = await Promise.all(
      outs.map(
        (out, step) =>
          new Promise<NodeJS.Signals | null>((done) => {
            const child = spawn(process.execPath, ['--import', TSX, script, out, String(step), payload], { stdio: 'ignore' });
            child.on('close', (_code, signal) => done(signal));
          }),
      ),
    );
    let mixed = 0;
    for (const [step, out] of outs.entries()) {
      expect(signals[step]).toBe('SIGKILL');
      expect(existsSync(join(out, JOURNAL_FILE))).toBe(true);
      const visible = Object.fromEntries(Object.entries(snapshot(out)).filter(([f]) => !f.startsWith('.')));
      const strip = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([f]) => !f.startsWith('.')));
      if (JSON.stringify(visible) !== JSON.stringify(strip(allOld)) && JSON.stringify(visible) !== JSON.stringify(strip(allNew))) mixed++;
      // The next run (any run: it recovers when it opens the folder) completes the swap.
      const notices: string[] = [];
      new DistWriter(out, { onNotice: (m) => notices.push(m) }).close();
      // The killed run also left its lock, which the next run takes over.
      expect(notices).toEqual([
        expect.stringMatching(/taking over the lock of pid \d+ .*, which is no longer running$/),
        `${join(out, JOURNAL_FILE)}: completing the swap of 4 folders that an interrupted run left`,
      ]);
      expect(snapshot(out)).toEqual(allNew);
    }
    // Killed mid-swap, the folder really was mixed: the journal is what makes it whole.
    expect(mixed).toBeGreaterThan(0);
  });

  it('a failure before the journal (while staging) leaves the old output', async () => {
    const out = tempDir();
    await writeDist(out, OLD);
    const before = snapshot(out);
    const broken: RenderedCluster = { ...fakeCluster('b', 2), files: new Map([...fakeCluster('b', 2).files, ['bad\0name', 'x']]) };
    await expect(writeDist(out, [fakeCluster('a', 2), broken], { pruneClusters: true })).rejects.toThrow();
    expect(snapshot(out)).toEqual(before);
  });
});
