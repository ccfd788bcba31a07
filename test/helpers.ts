/** Test helpers: temporary copies of the fixture config, loading, rendering, and one add-on's hooks in memory. */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { dump, load } from 'js-yaml';
import { loadClusters } from '../config/load.ts';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { renderCluster, type RenderedCluster } from '../src/render.ts';
import { loadFleet } from '../config/fleet.ts';
import { App, Chart, Testing } from 'cdk8s';
import { deepMerge } from '../config/merge.ts';
import { obj, type Problem } from '../config/schema.ts';
import type { AddonContext, AddonDefinition } from '../charts/addon.ts';
import { fileName, toYaml, type Manifest } from '../src/manifest-files.ts';

/**
 * The config every test starts from: a frozen copy of the examples in test/fixtures/config (clusters dev and prod,
 * their facts, fleet.yaml). Tests never read the live config/ set, so adding a cluster there cannot break them.
 */
export const FIXTURE_CONFIG = join(PROJECT_ROOT, 'test', 'fixtures', 'config');

const created: string[] = [];
// Each test file removes the folders it made (a full run makes hundreds).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'platform-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A copy of the project's code (node_modules linked) in a temporary folder, for tests that rebuild or damage the
 * launcher's .cache/ without touching the launcher runs of other test files. Of config/ only the code is copied, never
 * the live cluster, facts or fleet files: runs pass `--config FIXTURE_CONFIG`.
 */
export function projectCopy(): string {
  const root = tempDir('platform-launcher-');
  const liveConfig = /^config[\\/](clusters|facts|fleet\.yaml)/;
  for (const entry of ['bin', 'src', 'charts', 'apps', 'config', 'bootstrap', 'imports', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    cpSync(join(PROJECT_ROOT, entry), join(root, entry), { recursive: true, filter: (src) => !liveConfig.test(relative(PROJECT_ROOT, src)) });
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** A copy of the fixture config in a temporary folder; tests edit the copy, never the fixtures. */
export function tempConfig(): string {
  const dir = tempDir('platform-config-');
  cpSync(FIXTURE_CONFIG, dir, { recursive: true });
  return dir;
}

/** Edits a cluster file of a temp config as parsed YAML. */
export function editCluster(configDir: string, name: string, edit: (doc: Record<string, any>) => void): void {
  const file = join(configDir, 'clusters', `${name}.yaml`);
  const doc = load(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(file, dump(doc));
}

/**
 * Adds cluster `name` to a temp config as a brand-new cluster: a copy of the `from` fixture with its own name,
 * environment, domain, hosted zone and subnets, and no facts file (as before its bootstrap).
 */
export function newCluster(configDir: string, name: string, from = 'dev'): void {
  const doc = load(readFileSync(join(configDir, 'clusters', `${from}.yaml`), 'utf8')) as Record<string, any>;
  doc.name = name;
  doc.environment = 'staging';
  doc.dns = { domain: `${name}.platform.example.com`, hostedZoneId: 'Z0NEW1234567890ABCDE' };
  doc.network.privateSubnetIds = ['subnet-0a1b2c3d4e5f60091', 'subnet-0a1b2c3d4e5f60092', 'subnet-0a1b2c3d4e5f60093'];
  writeFileSync(join(configDir, 'clusters', `${name}.yaml`), dump(doc));
}

export function writeCluster(configDir: string, name: string, text: string): void {
  writeFileSync(join(configDir, 'clusters', `${name}.yaml`), text);
}

export function exampleCluster(name: string, configDir = FIXTURE_CONFIG): Cluster {
  return loadClusters({ addons: ADDONS, configDir, only: [name], relativeTo: configDir })[0];
}

/** Every fixture cluster (or `only` these), with file names shown as `config/clusters/<name>.yaml`. */
export function fixtureClusters(only?: string[]): Cluster[] {
  return loadClusters({ addons: ADDONS, configDir: FIXTURE_CONFIG, only, relativeTo: dirname(FIXTURE_CONFIG) });
}

const renderedFixtures = new Map<string, RenderedCluster>();

/** A fixture cluster rendered once per test file (read it with parse(); do not change it). */
export function renderFixture(name: string): RenderedCluster {
  if (!renderedFixtures.has(name)) renderedFixtures.set(name, render(name));
  return renderedFixtures.get(name)!;
}

export function render(name: string, configDir = FIXTURE_CONFIG): RenderedCluster {
  return renderCluster(exampleCluster(name, configDir), { fleet: loadFleet({ configDir }) });
}

/** Parses a rendered file (one object, after the header comment). */
export function parse(rendered: RenderedCluster | Pick<RenderedAddon, 'files'>, path: string): Record<string, any> {
  const text = rendered.files.get(path);
  if (text === undefined) throw new Error(`no file ${path}; have: ${[...rendered.files.keys()].join(', ')}`);
  return load(text) as Record<string, any>;
}

/** Problems thrown by loadClusters as `file: path: message` lines. */
export function configErrors(configDir: string, only?: string[]): string[] {
  try {
    loadClusters({ addons: ADDONS, configDir, only, relativeTo: configDir });
  } catch (err) {
    if (err instanceof Error && err.name === 'ConfigError') return err.message.split('\n');
    throw err;
  }
  return [];
}


const loaded = new Map<string, Cluster>();

/** A fixture cluster, loaded once per test file (treat it as read-only: contexts copy what they change). */
export function fixtureCluster(name = 'dev'): Cluster {
  if (!loaded.has(name)) loaded.set(name, exampleCluster(name));
  return loaded.get(name)!;
}

export interface AddonContextOptions {
  /** The fixture cluster to start from. @default "dev" */
  readonly cluster?: string;
  /** Top-level cluster keys to replace (shallow), e.g. `{ facts: { ...dev.facts, efsFileSystemId: undefined } }`. @default {} */
  readonly overrides?: Partial<Cluster>;
  /**
   * The add-on's own keys under `addons.<id>` as a cluster file writes them, replacing the fixture's (spread
   * `fixtureCluster(name).addons[id].settings` to change one key); checked and filled by its settings schema.
   * @default the fixture cluster's settings
   */
  readonly settings?: Record<string, unknown>;
  /** The add-on's `values` (Helm values merged over its own). @default the fixture's */
  readonly values?: Record<string, unknown>;
}

function buildContext<S>(addon: AddonDefinition<S>, options: AddonContextOptions): { ctx: AddonContext<S>; problems: Problem[] } {
  const base = { ...fixtureCluster(options.cluster), ...options.overrides };
  const problems: Problem[] = [];
  const raw = options.settings ?? base.addons[addon.id].settings;
  const settings = obj({ ...(addon.settings ?? {}) } as Record<string, never>).check(raw, `addons.${addon.id}`, problems) as unknown as S;
  const config = { ...base.addons[addon.id], settings: settings as Record<string, unknown>, ...(options.values ? { values: options.values } : {}) };
  const cluster: Cluster = { ...base, addons: { ...base.addons, [addon.id]: config } };
  return { ctx: { cluster, config, settings, addons: ADDONS }, problems };
}

/**
 * The context the pipeline gives `addon`'s hooks, built in memory from a fixture cluster: settings filled by the
 * add-on's schema as the loader does them, and stored in the cluster too, so hooks that read an add-on's settings
 * from the cluster see them. Throws the schema's problems (`path: message` lines) for bad settings.
 */
export function addonContext<S>(addon: AddonDefinition<S>, options: AddonContextOptions = {}): AddonContext<S> {
  const { ctx, problems } = buildContext(addon, options);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return ctx;
}

/** What `addon`'s hooks produce for a context. */
export interface RenderedAddon {
  /** Schema and validate problems as configErrors shows them (`clusters/<name>.yaml: path: message`). */
  readonly errors: string[];
  /** Its values with the config's `values` merged over them, as the Application carries them; undefined without a chart or with errors. */
  readonly values: Record<string, any> | undefined;
  /** Its manifests as objects; empty with errors. */
  readonly manifests: Record<string, any>[];
  /** The manifests as dist/ names and writes them (`addons/<id>/<kind>_<namespace>_<name>.yaml`), for parse(). */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Runs `addon`'s hooks in memory (see addonContext) as the loader and renderer do: the schema, then validate (only
 * with valid settings), then values and manifests (only without problems).
 */
export function renderAddon<S>(addon: AddonDefinition<S>, options: AddonContextOptions = {}): RenderedAddon {
  const { ctx, problems } = buildContext(addon, options);
  if (problems.length === 0) problems.push(...(addon.validate?.(ctx) ?? []));
  const errors = problems.map((p) => `${ctx.cluster.files.config}: ${p.path}: ${p.message}`);
  if (errors.length > 0) return { errors, values: undefined, manifests: [], files: new Map() };
  const values = addon.chart ? deepMerge(addon.values?.(ctx) ?? {}, ctx.config.values) : undefined;
  let manifests: Record<string, any>[] = [];
  if (addon.manifests) {
    const chart = new Chart(new App(), addon.id, { disableResourceNameHashes: true });
    addon.manifests(chart, ctx);
    manifests = Testing.synth(chart);
  }
  const files = new Map(manifests.map((m) => [`addons/${addon.id}/${fileName(m as Manifest)}`, toYaml(m, 'test')]));
  return { errors, values, manifests, files };
}

/**
 * Whether `value` matches `pattern`, where `*` matches any run of characters and nothing else is special: the glob of
 * Argo CD's project fields (github.com/gobwas/glob) and of IAM's StringLike, as the tests use them.
 */
export function globMatch(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}
