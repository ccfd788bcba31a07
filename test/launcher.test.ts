/**
 * bin/platform.mjs starts fast and never runs stale code: an unchanged checkout is recognised by its files' stats
 * (no hashing), any edit rebuilds the bundle even if size and mtime are kept, the V8 code cache is written once per
 * command and a bad one is replaced, and yargs bundled into it behaves as from node_modules (locales, help).
 * That the bundled cdk8s renders the same bytes is test/pipeline.test.ts' (launcher and sources, side by side).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { FIXTURE_CONFIG, projectCopy, tempDir } from './helpers.ts';

/** Node >= 22.1: the launcher uses Node's own compile cache instead of its per-command V8 code cache. */
const NODE_COMPILE_CACHE = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function launch(root: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'platform.mjs'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, DEBUG: '1', ...env } });
  expect(r.stderr).not.toContain('using the sources');
  return r;
}

interface LauncherManifest {
  key: string;
  bundle: string;
  stats: Record<string, string>;
}

const manifestOf = (root: string) => JSON.parse(readFileSync(join(root, '.cache', 'cli', 'manifest.json'), 'utf8')) as LauncherManifest;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('bin/platform.mjs', () => {
  it('skips hashing an unchanged checkout, and rebuilds after an edit that keeps size and mtime', () => {
    const root = projectCopy();
    // Files changed in the last 2 s are hashed on every run (see statsOf); let the fresh copy age.
    sleep(2100);
    const synth = () => launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', tempDir()]);
    expect(synth().status).toBe(0);
    const first = manifestOf(root);
    expect(Object.keys(first.stats)).toEqual(expect.arrayContaining(['bin/platform.mjs', 'package-lock.json', 'src/cli.ts']));
    // The packages every synth loads are bundled, so their files are inputs too (here through the linked node_modules).
    for (const file of ['yargs/index.mjs', 'cdk8s/lib/index.js', 'cdk8s-plus-28/lib/index.js', 'js-yaml/dist/js-yaml.mjs']) {
      expect(Object.keys(first.stats).some((f) => f.endsWith(`node_modules/${file}`)), file).toBe(true);
    }
    const manifestFile = join(root, '.cache', 'cli', 'manifest.json');
    const written = statSync(manifestFile).mtimeMs;
    expect(synth().status).toBe(0);
    // Recognised by its stats: nothing re-hashed, so nothing re-recorded.
    expect(statSync(manifestFile).mtimeMs).toBe(written);

    // Same size, same mtime, other content: only the ctime tells (and then the hash).
    const file = join(root, 'src', 'manifest-files.ts');
    const before = statSync(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('Do not edit: change the config and re-run.', 'Do not edit; change the config and re-run.'));
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    const out = tempDir();
    expect(launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', out]).status).toBe(0);
    expect(manifestOf(root).key).not.toBe(first.key);
    expect(readFileSync(join(out, 'dev', 'apps', 'appproject_argocd_dev-root.yaml'), 'utf8')).toContain('Do not edit; change the config');
  }, 120_000);

  it.skipIf(NODE_COMPILE_CACHE)('writes a code cache per command once, and replaces one V8 rejects (Node < 22.1)', () => {
    const root = projectCopy();
    const synth = () => launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', tempDir()]);
    expect(synth().status).toBe(0);
    const cache = join(root, '.cache', 'cli', `${manifestOf(root).bundle}.synth.v8`);
    const made = statSync(cache);
    expect(made.size).toBeGreaterThan(10_000);
    expect(synth().status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(made.mtimeMs);

    writeFileSync(cache, 'not a code cache');
    const out = tempDir();
    expect(launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', out]).status).toBe(0);
    expect(readFileSync(join(out, 'dev', 'apps', 'appproject_argocd_dev-root.yaml'), 'utf8')).toMatch(/^# Rendered by `npm run synth`/);
    expect(statSync(cache).size).toBeGreaterThan(10_000);
  }, 120_000);

  it.skipIf(NODE_COMPILE_CACHE)("gives a diff's render child a code cache of its own (Node < 22.1)", () => {
    const root = projectCopy();
    const render = launch(root, ['diff', '--render-stream', '--config', FIXTURE_CONFIG]);
    expect(render.status).toBe(0);
    // The diff process runs other functions: one shared cache held whichever of the two exited last.
    const caches = readdirSync(join(root, '.cache', 'cli')).filter((f) => f.endsWith('.v8'));
    expect(caches).toEqual([`${manifestOf(root).bundle}.render.v8`]);
  }, 120_000);

  it.runIf(NODE_COMPILE_CACHE)("uses Node's compile cache in .cache/node-compile (Node >= 22.1)", () => {
    const root = projectCopy();
    expect(launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', tempDir()]).status).toBe(0);
    expect(readdirSync(join(root, '.cache', 'node-compile'), { recursive: true }).length).toBeGreaterThan(1);
    expect(readdirSync(join(root, '.cache', 'cli')).filter((f) => f.endsWith('.v8'))).toEqual([]);
  }, 120_000);

  it('rebuilds after a tsconfig.json edit, and once after a damaged manifest or bundle (never the sources for good)', () => {
    const root = projectCopy();
    const synth = () => launch(root, ['synth', '--quiet', '--config', FIXTURE_CONFIG, '--out', tempDir()]);
    expect(synth().status).toBe(0);
    const first = manifestOf(root);
    // esbuild reads tsconfig.json (here: class-field semantics) without listing it among its inputs.
    const tsconfig = join(root, 'tsconfig.json');
    writeFileSync(tsconfig, readFileSync(tsconfig, 'utf8').replace('"target": "ES2022",', '"target": "ES2022",\n    "useDefineForClassFields": false,'));
    expect(synth().status).toBe(0);
    const edited = manifestOf(root);
    expect(edited.key).not.toBe(first.key);
    // launch() also checks that no run fell back to the sources.
    writeFileSync(join(root, '.cache', 'cli', 'manifest.json'), '{"key":');
    expect(synth().status).toBe(0);
    expect(manifestOf(root).key).toBe(edited.key);
    const bundle = join(root, '.cache', 'cli', edited.bundle);
    truncateSync(bundle, 1000);
    expect(synth().status).toBe(0);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
    expect(synth().status).toBe(0);
  }, 120_000);

  it('runs yargs from the bundle as from node_modules: same help, same locales', () => {
    const env = { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' };
    const bundled = launch(PROJECT_ROOT, ['synth', '--help'], env);
    const sources = launch(PROJECT_ROOT, ['synth', '--help'], { ...env, PLATFORM_NO_BUNDLE: '1' });
    expect(bundled.status).toBe(0);
    // yargs' German strings: its locales folder was found from the bundle.
    expect(bundled.stdout).toContain('Optionen:');
    expect(bundled.stdout).toBe(sources.stdout);
  }, 60_000);
});
