/**
 * End to end: a temporary git repository holding a copy of this project (with the fixture clusters, no dist/), two real commits (a chart version bump,
 * a changed value, an image tag, a removed add-on, a node pool removed from a kept add-on, a changed secret-like
 * value), and the diff command run in it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTrees } from '../src/diff/engine.ts';
import { formatText } from '../src/diff/format.ts';
import { renderRevision, renderTreeInChild } from '../src/diff/git.ts';
import { runDiff } from '../src/diff/run.ts';
import { PROJECT_ROOT, upstreamDir } from '../src/paths.ts';
import { FIXTURE_CONFIG } from './helpers.ts';

let tmp: string;
let repo: string;

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function initRepo(dir: string): void {
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'test');
  git(dir, 'config', 'commit.gpgsign', 'false');
}

function commit(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', message);
}

type Config = { addons: Record<string, Record<string, unknown>> };
function editConfig(cluster: string, edit: (c: Config) => void): void {
  const file = join(repo, 'config', 'clusters', `${cluster}.yaml`);
  const config = load(readFileSync(file, 'utf8')) as Config;
  config.addons ??= {};
  edit(config);
  writeFileSync(file, dump(config));
}

const webhook = (v: string) => ({ reloader: { deployment: { env: { secret: { ALERT_WEBHOOK_URL: `https://hooks.slack.com/services/T000/B000/${v}` } } } } });

function diff(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PLATFORM_UPSTREAM: upstreamDir() };
  delete env.GITHUB_BASE_REF;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'diff', ...args], { cwd: repo, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'diff-e2e-'));
  repo = join(tmp, 'repo');
  // The project as it is now (tracked and new files), without touching its git state.
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  // The test's clusters are the fixtures, never the live config/ set or its committed dist/.
  const live = /^(dist\/|config\/(clusters|facts)\/|config\/fleet\.yaml$)/;
  for (const f of files) {
    if (live.test(f)) continue;
    const src = join(PROJECT_ROOT, f);
    if (!existsSync(src)) continue;
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(src, join(repo, f));
  }
  cpSync(FIXTURE_CONFIG, join(repo, 'config'), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  // `node_modules/` would not match the symlink.
  writeFileSync(join(repo, '.gitignore'), `${readFileSync(join(repo, '.gitignore'), 'utf8')}\nnode_modules\n`);
  initRepo(repo);
  editConfig('prod', (c) => (c.addons.reloader = { ...c.addons.reloader, values: webhook('base-value') }));
  // A second node pool, removed again by the head commit: one object of a kept Application goes away.
  editConfig('dev', (c) => {
    const pools = c.addons['karpenter-node-pools'].pools as object[];
    c.addons['karpenter-node-pools'].pools = [...pools, { name: 'batch', limits: { cpu: 16, memory: '64Gi' } }];
  });
  commit(repo, 'base');
  editConfig('dev', (c) => {
    const ms = c.addons['metrics-server'] ?? {};
    c.addons['metrics-server'] = { ...ms, version: '3.13.2', replicas: 2, values: { ...(ms.values as object), image: { tag: 'v0.8.1' } } };
    c.addons.reloader = { ...c.addons.reloader, enabled: false };
    c.addons['karpenter-node-pools'].pools = (c.addons['karpenter-node-pools'].pools as Array<{ name: string }>).filter((p) => p.name !== 'batch');
  });
  editConfig('prod', (c) => (c.addons.reloader = { ...c.addons.reloader, values: webhook('head-value') }));
  commit(repo, 'bump metrics-server, remove reloader and the batch node pool from dev, rotate the webhook');
}, 60_000);

afterAll(() => {
  if (existsSync(join(repo, 'node_modules'))) unlinkSync(join(repo, 'node_modules'));
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run diff in a git repository', () => {
  it('summarizes a chart bump, a changed value, an image and a removed add-on, warns about the prunes, and exits 1 with --exit-code', () => {
    const r = diff('--base', 'HEAD~1', '--exit-code');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const out = r.stdout;
    expect(out).toMatch(/^Platform diff: HEAD~1 \([0-9a-f]{7}\) → working tree\n/);
    expect(out).toContain('Cluster dev: Applications 0 added, 2 changed, 1 removed');
    expect(out).toContain('  ~ dev-metrics-server (wave 40): 0 to add, 1 to change, 0 to destroy');
    expect(out).toContain('      chart metrics-server: 3.13.1 → 3.13.2');
    expect(out).toContain('      image values image.tag: (new) v0.8.1');
    expect(out).toContain('      values.replicas: 1 → 2');
    expect(out).toContain('  - dev-reloader (wave 50): 0 to add, 0 to change, 1 to destroy');
    expect(out).toContain('Cluster prod: Applications 0 added, 1 changed, 0 removed');
    expect(out).toContain(
      '  ! dev/dev-reloader: Application dev-reloader is removed (chart reloader 2.2.16): its resources-finalizer makes Argo CD delete everything it deployed',
    );
    // A resource removed inside an Application that stays: Argo CD's automated prune deletes it.
    expect(out).toMatch(/\n {2}~ dev-karpenter-node-pools \(wave \d+\): 0 to add, 0 to change, 1 to destroy\n {6}- NodePool batch\n/);
    expect(out).toContain('  ! dev/dev-karpenter-node-pools: prune: NodePool batch is removed; Argo CD deletes it (automated prune)');
    // The webhook URL is a credential: never printed, but its change is.
    expect(out).not.toContain('hooks.slack.com');
    expect(out).toContain('      values.reloader.deployment.env.secret.ALERT_WEBHOOK_URL: <redacted> → <redacted (changed)>');
    expect(out).toContain('-    targetRevision: 3.13.1\n+    targetRevision: 3.13.2');
  }, 60_000);

  it('exits 0 with differences when --exit-code is not given, and writes a markdown comment', () => {
    const r = diff('--base', 'HEAD~1', '--format', 'markdown', '--cluster', 'dev');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| `dev` | 0 | 2 | 1 |');
    expect(r.stdout.startsWith('<!-- platform-diff -->\n')).toBe(true);
    expect(r.stdout).not.toContain('| `prod` |');
    expect(r.stdout).toContain('<details><summary><code>~ dev-metrics-server (wave 40): 0 to add, 1 to change, 0 to destroy</code> · chart <code>metrics-server: 3.13.1 → 3.13.2</code></summary>');
    expect(r.stdout).toContain('> [!WARNING]');
  }, 60_000);

  it('says there are no changes against HEAD on a clean tree and exits 0', () => {
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const r = diff('--base', 'HEAD', '--exit-code');
    expect(r.status).toBe(0);
    // dist/_fleet is the fleet, not a third cluster.
    expect(r.stdout).toMatch(/No changes: HEAD \([0-9a-f]{7}\) and working tree render the same objects \(2 clusters and the fleet, \d+ files compared\)\./);
  }, 60_000);

  it('renders every cluster again when code changes: a rendered default changed in apps/ shows in every cluster', () => {
    const file = join(repo, 'apps', 'addon-application.ts');
    const code = readFileSync(file, 'utf8');
    expect(code).toContain('retry: { limit: 10,');
    writeFileSync(file, code.replace('retry: { limit: 10,', 'retry: { limit: 11,'));
    try {
      const r = diff('--base', 'HEAD', '--exit-code');
      expect(r.status).toBe(1);
      for (const cluster of ['dev', 'prod']) {
        expect(r.stdout).toMatch(new RegExp(`Cluster ${cluster}: Applications 0 added, [1-9]\\d* changed, 0 removed`));
        expect(r.stdout).toContain(`+++ b/${cluster}/apps/application_argocd_${cluster}-metrics-server.yaml`);
      }
      expect(r.stdout).toContain('-      limit: 10\n+      limit: 11');
    } finally {
      writeFileSync(file, code);
    }
  }, 60_000);

  it('renders the changed cluster again when only its config file changes (the base renders it alone), with the report of two full renders', async () => {
    const file = join(repo, 'config', 'clusters', 'prod.yaml');
    const text = readFileSync(file, 'utf8');
    editConfig('prod', (c) => (c.addons['metrics-server'] = { ...c.addons['metrics-server'], replicas: 4 }));
    try {
      const r = diff('--base', 'HEAD', '--exit-code');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('Cluster prod: Applications 0 added, 1 changed, 0 removed');
      expect(r.stdout).toContain('values.replicas: 3 → 4');
      expect(r.stdout).toContain('Cluster dev: no changes');
      // The same report as rendering the whole base with its own code and the whole working tree.
      const sha = git(repo, 'rev-parse', 'HEAD');
      const base = new Map<string, ReadonlyMap<string, string>>();
      const head = new Map<string, ReadonlyMap<string, string>>();
      await renderRevision(repo, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir() }, (n, f) => base.set(n, f));
      await renderTreeInChild(repo, { upstream: upstreamDir(), what: 'the working tree' }, (n, f) => head.set(n, f));
      expect(r.stdout).toBe(formatText(compareTrees(base, head), { baseLabel: `HEAD (${sha.slice(0, 7)})`, headLabel: 'working tree', notes: [] }));
    } finally {
      writeFileSync(file, text);
    }
  }, 60_000);

  it('one render of a clean tree gives the report that rendering base and head apart gives', async () => {
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const { output } = await runDiff({ projectRoot: repo, base: 'HEAD' });
    const sha = git(repo, 'rev-parse', 'HEAD');
    const base = new Map<string, ReadonlyMap<string, string>>();
    const head = new Map<string, ReadonlyMap<string, string>>();
    await renderRevision(repo, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir() }, (n, f) => base.set(n, f));
    await renderTreeInChild(repo, { upstream: upstreamDir(), what: 'the working tree' }, (n, f) => head.set(n, f));
    expect(base.size).toBe(3);
    expect(output).toBe(formatText(compareTrees(base, head), { baseLabel: `HEAD (${sha.slice(0, 7)})`, headLabel: 'working tree', notes: [] }));
  }, 60_000);

  it("keeps the base's launcher bundle in the bundle cache, and never runs a cached bundle of other code", async () => {
    const cache = join(tmp, 'bundle-cache');
    mkdirSync(cache, { recursive: true });
    // A bundle that would print POISON, recorded under a key no source tree hashes to: the launcher rebuilds.
    writeFileSync(join(cache, 'cli-0000000000000000.cjs'), "process.stdout.write('POISON'); exports.main = async () => 0;\n");
    writeFileSync(join(cache, 'manifest.json'), JSON.stringify({ key: '0000000000000000', inputs: ['src/cli.ts'], bundle: 'cli-0000000000000000.cjs' }));
    const sha = git(repo, 'rev-parse', 'HEAD');
    const tree = new Map<string, ReadonlyMap<string, string>>();
    await renderRevision(repo, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir(), bundleCache: cache }, (n, f) => tree.set(n, f));
    expect([...tree.keys()].sort()).toEqual(['_fleet', 'dev', 'prod']);
    const manifest = JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as { key: string; bundle: string };
    expect(manifest.key).toMatch(/^[0-9a-f]{16}$/);
    expect(manifest.key).not.toBe('0000000000000000');
    expect(readFileSync(join(cache, manifest.bundle), 'utf8')).not.toContain('POISON');
    expect(existsSync(join(cache, 'cli-0000000000000000.cjs'))).toBe(false);
    // With the V8 code cache the render child wrote at its exit (bin/platform.mjs requireBundle): the next base
    // render starts without compiling it all again.
    if (!('enableCompileCache' in (await import('node:module')).default)) {
      expect(readdirSync(cache).filter((f) => f.startsWith(`${manifest.bundle}.`) && f.endsWith('.v8'))).toEqual([`${manifest.bundle}.render.v8`]);
    }
  }, 60_000);

  it('reads the version 1 render stream of an older base (JSON lines, review files included) and compares it with a version 2 head', async () => {
    const stream = join(repo, 'src', 'diff', 'render-stream.ts');
    const emit = join(repo, 'src', 'diff', 'render-emit.ts');
    const streamText = readFileSync(stream, 'utf8');
    // The child side as version 1 wrote it: one JSON line per cluster, every file synth writes.
    writeFileSync(stream, streamText.replace("RENDER_STREAM_HEADER = 'platform-render-stream v2'", "RENDER_STREAM_HEADER = 'platform-render-stream v1'"));
    writeFileSync(
      emit,
      `import { loadFleet } from '../../config/fleet.ts';
import { loadClusters } from '../../config/load.ts';
import { ADDONS } from '../../charts/registry.ts';
import { renderFleet } from '../fleet.ts';
import { renderCluster, type RenderedCluster } from '../render.ts';
import { RENDER_STREAM_HEADER } from './render-stream.ts';
const line = (r: RenderedCluster) => \`\${JSON.stringify({ name: r.name, files: [...r.files] })}\\n\`;
export function renderToStream(configDir: string, write: (chunk: string) => void): void {
  const clusters = loadClusters({ configDir, addons: ADDONS, only: [] });
  const fleet = loadFleet({ configDir });
  write(\`\${RENDER_STREAM_HEADER}\\n\`);
  for (const cluster of clusters) write(line(renderCluster(cluster, { fleet })));
  if (fleet) write(line(renderFleet(fleet)));
}
`,
    );
    commit(repo, 'render stream v1');
    const sha = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'reset', '--quiet', '--hard', 'HEAD~1');
    expect(readFileSync(stream, 'utf8')).toBe(streamText);
    const base = new Map<string, ReadonlyMap<string, string>>();
    const head = new Map<string, ReadonlyMap<string, string>>();
    await renderRevision(repo, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir() }, (n, f) => base.set(n, f));
    await renderTreeInChild(repo, { upstream: upstreamDir(), what: 'the working tree' }, (n, f) => head.set(n, f));
    expect([...base.keys()].sort()).toEqual(['_fleet', 'dev', 'prod']);
    expect(base.get('dev')!.has('README.md')).toBe(true);
    expect(head.get('dev')!.has('README.md')).toBe(false);
    const report = compareTrees(base, head);
    expect(report.hasChanges).toBe(false);
    expect(report.filesCompared).toBe(compareTrees(head, head).filesCompared);
  }, 60_000);

  it('fails with exit 2 and a clear message for an unknown base', () => {
    const r = diff('--base', 'no-such-branch', '--exit-code');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--base no-such-branch: no such commit in');
    expect(r.stderr).toContain('allowed: a branch, tag or commit (e.g. main, HEAD~1, origin/main)');
  }, 60_000);
});

describe('renderRevision', () => {
  it('says when the base has no src/cli.ts synth and falls back to its committed dist/', async () => {
    const old = join(tmp, 'old');
    mkdirSync(join(old, 'dist', 'dev', 'apps'), { recursive: true });
    writeFileSync(join(old, 'dist', 'dev', 'apps', 'x.yaml'), 'kind: ConfigMap\n');
    initRepo(old);
    commit(old, 'old layout');
    const sha = git(old, 'rev-parse', 'HEAD');
    const tree = new Map<string, ReadonlyMap<string, string>>();
    const notes = await renderRevision(old, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir() }, (name, files) => tree.set(name, files));
    expect(notes).toEqual([`The base ${sha.slice(0, 7)} has no \`src/cli.ts synth\` to render it with its own code; compared with its committed dist/ instead.`]);
    expect(tree.get('dev')?.get('apps/x.yaml')).toBe('kind: ConfigMap\n');
  });

  it('fails when the base has neither synth nor dist/', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'README'), 'x\n');
    initRepo(empty);
    commit(empty, 'nothing');
    const sha = git(empty, 'rev-parse', 'HEAD');
    await expect(renderRevision(empty, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream: upstreamDir() }, () => {})).rejects.toThrow(
      `The base ${sha.slice(0, 7)} has no \`src/cli.ts synth\` to render it with its own code, and no committed dist/ either; pass a newer --base`,
    );
  });
});
