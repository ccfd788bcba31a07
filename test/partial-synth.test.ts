/** `synth --cluster a [--cluster b]` renders only those clusters and leaves every other cluster's files untouched. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../src/dist.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { synth } from '../src/synth.ts';
import { editCluster, tempConfig, tempDir } from './helpers.ts';

interface FileState {
  readonly sha: string;
  readonly mtimeMs: number;
}

/** Content hash and mtime of every file of one cluster folder, by relative path. */
function state(dir: string): Record<string, FileState> {
  return Object.fromEntries(
    listFiles(dir).map((f) => [f, { sha: createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'), mtimeMs: statSync(join(dir, f)).mtimeMs }]),
  );
}

/** Sets every file's mtime an hour back, so any rewrite (even of identical bytes) shows as a newer mtime. */
function age(dir: string): void {
  const past = new Date(Date.now() - 3_600_000);
  for (const f of listFiles(dir)) utimesSync(join(dir, f), past, past);
}

/** A config with a third cluster, `stage`, copied from dev, so that two selected clusters leave one other. */
function threeClusters(): string {
  const dir = tempConfig();
  cpSync(join(dir, 'clusters', 'dev.yaml'), join(dir, 'clusters', 'stage.yaml'));
  cpSync(join(dir, 'facts', 'dev.yaml'), join(dir, 'facts', 'stage.yaml'));
  editCluster(dir, 'stage', (d) => {
    d.name = 'stage';
    d.environment = 'staging';
    // Its own domain, zone and subnets: the loader rejects clusters that share them.
    d.dns = { domain: 'stage.platform.example.com', hostedZoneId: 'Z0STAGE234567890ABCD' };
    d.network.privateSubnetIds = ['subnet-0a1b2c3d4e5f60031', 'subnet-0a1b2c3d4e5f60032'];
  });
  return dir;
}

const replicasOf = (out: string, cluster: string) => readFileSync(join(out, cluster, 'apps', `application_argocd_${cluster}-reloader.yaml`), 'utf8');

describe('partial synth', () => {
  it('leaves the other clusters byte-identical with their mtimes, and changes the selected one', async () => {
    const config = threeClusters();
    const out = tempDir();
    await synth({ configDir: config, outDir: out });
    age(out);
    const before = { dev: state(join(out, 'dev')), prod: state(join(out, 'prod')), stage: state(join(out, 'stage')) };
    const devReloader = replicasOf(out, 'dev');

    // dev's config changes, but only prod is rendered: dev keeps its old output, untouched.
    editCluster(config, 'dev', (d) => (d.addons.reloader.replicas = 2));
    const onlyProd = await synth({ configDir: config, outDir: out, clusters: ['prod'] });
    expect(onlyProd.clusters.map((c) => c.name)).toEqual(['prod']);
    expect(onlyProd.prunedClusters).toEqual([]);
    expect(state(join(out, 'dev'))).toEqual(before.dev);
    expect(state(join(out, 'stage'))).toEqual(before.stage);
    // prod's own output did not change either, so it was not rewritten (same bytes, same mtime).
    expect(onlyProd.clusters[0].write).toMatchObject({ written: 0, removed: 0 });
    expect(state(join(out, 'prod'))).toEqual(before.prod);

    // Now dev is rendered: its changed file differs, prod and stage stay exactly as they were.
    const onlyDev = await synth({ configDir: config, outDir: out, clusters: ['dev'] });
    expect(onlyDev.clusters[0].write.written).toBeGreaterThan(0);
    expect(replicasOf(out, 'dev')).not.toBe(devReloader);
    expect(state(join(out, 'prod'))).toEqual(before.prod);
    expect(state(join(out, 'stage'))).toEqual(before.stage);
    const devAfter = state(join(out, 'dev'));
    const changed = Object.keys(devAfter).filter((f) => devAfter[f].sha !== before.dev[f]?.sha);
    expect(changed).toContain('apps/application_argocd_dev-reloader.yaml');
  });

  it('renders several selected clusters from the command line and leaves the rest untouched', async () => {
    const config = threeClusters();
    const out = tempDir();
    await synth({ configDir: config, outDir: out });
    age(out);
    const prodBefore = state(join(out, 'prod'));
    editCluster(config, 'dev', (d) => (d.addons.reloader.replicas = 2));
    editCluster(config, 'stage', (d) => (d.addons.reloader.replicas = 2));
    editCluster(config, 'prod', (d) => (d.addons.reloader = { replicas: 4 }));

    // The real CLI (tsx's loader by absolute URL, so any working directory works); no bundle, to test the sources.
    const tsx = pathToFileURL(join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const cli = join(PROJECT_ROOT, 'src', 'cli.ts');
    const r = spawnSync(process.execPath, ['--import', tsx, cli, 'synth', '--config', config, '--out', out, '--cluster', 'dev', '--cluster', 'stage'], {
      cwd: tempDir(),
      encoding: 'utf8',
      env: { ...process.env, PLATFORM_NO_BUNDLE: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dev: .*written/m);
    expect(r.stdout).toMatch(/^stage: .*written/m);
    expect(r.stdout).not.toMatch(/^prod:/m);
    expect(r.stdout).toMatch(/synth: 2 clusters in \d+ ms/);
    expect(replicasOf(out, 'dev')).toMatch(/replicas: 2/);
    expect(replicasOf(out, 'stage')).toMatch(/replicas: 2/);
    expect(state(join(out, 'prod'))).toEqual(prodBefore);
  });

  it('fails an unknown --cluster name without touching anything', async () => {
    const config = threeClusters();
    const out = tempDir();
    await synth({ configDir: config, outDir: out });
    const before = state(out);
    await expect(synth({ configDir: config, outDir: out, clusters: ['prdo'] })).rejects.toThrow(/--cluster: no cluster "prdo" \(did you mean "prod"\?\); allowed: dev, prod, stage/);
    expect(state(out)).toEqual(before);
  });
});
