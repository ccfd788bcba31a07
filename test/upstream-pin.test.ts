/**
 * `upstream pin` against a real Helm repository served on 127.0.0.1 by the test (index.yaml + .tgz built here), and
 * `validate` using what it pinned: a version override is checked against that version's data, and problems point at
 * the config key that produced them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { c as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsServer } from '../charts/foundation/metrics-server.ts';
import { PROJECT_ROOT, upstreamDir } from '../src/paths.ts';
import { synth } from '../src/synth.ts';
import { PinError, pinChart, projectSource, readPinnedTable } from '../src/upstream/pin.ts';
import { validateTree } from '../src/validate/engine.ts';
import { formatProblem } from '../src/validate/problems.ts';
import { LocalSource, schemaSourceMissing } from '../src/validate/sources.ts';
import { editCluster, tempConfig, tempDir } from './helpers.ts';

const UPSTREAM = upstreamDir();
const NEW = '3.13.2';
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let server: Server;
let repoURL: string;
let archive: Buffer;
let index: Record<string, any>;
const requests: string[] = [];

beforeAll(async () => {
  // A chart as `helm package` lays it out: <name>/Chart.yaml, values.yaml, templates/, a subchart under charts/.
  const build = tempDir('helm-chart-');
  const chartDir = join(build, 'metrics-server');
  mkdirSync(join(chartDir, 'templates'), { recursive: true });
  mkdirSync(join(chartDir, 'charts', 'sub'), { recursive: true });
  writeFileSync(join(chartDir, 'Chart.yaml'), dump({ apiVersion: 'v2', name: 'metrics-server', version: NEW, appVersion: '0.8.1' }));
  // The pinned 3.13.1 values plus a key that only the new version has.
  const values = `${readFileSync(join(UPSTREAM, 'charts', 'metrics-server', 'values.yaml'), 'utf8')}\nnewInThisVersion: false\n`;
  writeFileSync(join(chartDir, 'values.yaml'), values);
  writeFileSync(join(chartDir, 'templates', 'deployment.yaml'), 'kind: Deployment\n');
  writeFileSync(join(chartDir, 'charts', 'sub', 'values.yaml'), 'sub: true\n');
  const tgz = join(build, `metrics-server-${NEW}.tgz`);
  await createTar({ gzip: true, cwd: build, file: tgz, portable: true }, ['metrics-server']);
  archive = readFileSync(tgz);

  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/repo/index.yaml') return void res.end(dump(index));
    if (req.url === `/repo/charts/metrics-server-${NEW}.tgz`) return void res.end(archive);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  repoURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo/`;
  index = {
    apiVersion: 'v1',
    entries: {
      'metrics-server': [
        { name: 'metrics-server', version: NEW, urls: [`charts/metrics-server-${NEW}.tgz`], digest: sha(archive) },
        { name: 'metrics-server', version: '3.13.1', urls: ['charts/metrics-server-3.13.1.tgz'] },
      ],
    },
  };
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The registry's metrics-server add-on, published by the loopback repository. */
const addons = () => [{ ...metricsServer, chart: { ...metricsServer.chart!, repoURL } }];

describe('upstream pin', () => {
  it('downloads index.yaml and the .tgz, extracts Chart.yaml and values.yaml, records URL and SHA-256', async () => {
    const project = tempDir('project-');
    const row = await pinChart({ chart: 'metrics-server', version: NEW, projectDir: project, addons: addons() });
    const dir = join(project, 'upstream', 'charts', 'metrics-server', NEW);
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toContain('newInThisVersion: false');
    expect((load(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as { version: string }).version).toBe(NEW);
    // Only the chart's own files: no templates, no subchart values.
    expect(existsSync(join(dir, 'templates'))).toBe(false);
    expect(existsSync(join(dir, 'charts'))).toBe(false);
    expect(row).toMatchObject({ chart: 'metrics-server', version: NEW, repoURL, url: `${repoURL}charts/metrics-server-${NEW}.tgz`, sha256: sha(archive) });
    expect(row.files).toEqual({
      [`charts/metrics-server/${NEW}/Chart.yaml`]: sha(readFileSync(join(dir, 'Chart.yaml'))),
      [`charts/metrics-server/${NEW}/values.yaml`]: sha(readFileSync(join(dir, 'values.yaml'))),
    });
    expect(readPinnedTable(project)).toEqual([row]);
    expect(requests).toContain('/repo/index.yaml');
  });

  it('fails clearly, writing nothing, on a version the index lacks and on an archive that does not match its digest', async () => {
    const project = tempDir('project-');
    await expect(pinChart({ chart: 'metrics-server', version: '9.9.9', projectDir: project, addons: addons() })).rejects.toThrow(
      new PinError(`${repoURL}index.yaml has no version "9.9.9" of chart metrics-server; allowed: ${NEW}, 3.13.1`),
    );
    const digest = index.entries['metrics-server'][0].digest;
    index.entries['metrics-server'][0].digest = '0'.repeat(64);
    try {
      await expect(pinChart({ chart: 'metrics-server', version: NEW, projectDir: project, addons: addons() })).rejects.toThrow(/differs from the index's digest 0{64}/);
    } finally {
      index.entries['metrics-server'][0].digest = digest;
    }
    await expect(pinChart({ chart: 'metrics-sever', version: NEW, projectDir: project, addons: addons() })).rejects.toThrow(/^no add-on uses chart "metrics-sever"; allowed: metrics-server$/);
    expect(existsSync(join(project, 'upstream'))).toBe(false);
  });

  it('--help has no side effects', () => {
    const before = existsSync(join(PROJECT_ROOT, 'upstream'));
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'platform.mjs'), 'upstream', '--help'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('npm run upstream -- pin metrics-server 3.13.2');
    expect(run.stderr).toBe('');
    expect(existsSync(join(PROJECT_ROOT, 'upstream'))).toBe(before);
  });

  it.skipIf(schemaSourceMissing(UPSTREAM))('validate names the config key of an unpinned version override, then checks the override against the pinned data', async () => {
    const config = tempConfig();
    editCluster(config, 'dev', (d) => (d.addons['metrics-server'] = { ...d.addons['metrics-server'], version: NEW, values: { newInThisVersion: true, logLevl: 3 } }));
    const out = join(tempDir('dist-'), 'dist');
    await synth({ configDir: config, outDir: out, clusters: ['dev'] });
    const project = tempDir('project-');
    const run = async () =>
      (await validateTree({ root: join(out, 'dev'), configDir: config, source: projectSource(project, new LocalSource(UPSTREAM)), relativeTo: join(config, '..') })).problems
        .filter((p) => p.object.endsWith('dev-metrics-server'))
        .map(formatProblem);

    const [unpinned, ...others] = await run();
    expect(others).toEqual([]);
    // Paths are relative to the temporary folders' parent: `<config copy>/clusters/dev.yaml`, `<out>/dist/dev/…`.
    expect(unpinned.replace(/^platform-config-\w+\//, 'config/').replace(/\(in dist-\w+\//, '(in ')).toBe(
      `config/clusters/dev.yaml: addons.metrics-server.version: chart metrics-server version "${NEW}" has no pinned values data to check against; allowed: 3.13.1, ` +
        `or pin it with \`npm run upstream -- pin metrics-server ${NEW}\` (writes upstream/charts/metrics-server/${NEW}/ and records it in upstream/pinned.json; commit both) ` +
        '(in dist/dev/apps/application_argocd_dev-metrics-server.yaml: Application/argocd/dev-metrics-server: spec.source.targetRevision)',
    );

    await pinChart({ chart: 'metrics-server', version: NEW, projectDir: project, addons: addons() });
    // The key only 3.13.2 has passes; the typo is reported at its config key, with the dist/ file as second pointer.
    expect(await run()).toEqual([
      expect.stringMatching(
        /^platform-config-\w+\/clusters\/dev\.yaml: addons\.metrics-server\.values\.logLevl: chart metrics-server 3\.13\.2 has no value logLevl; .*\(in dist-\w+\/dist\/dev\/apps\/application_argocd_dev-metrics-server\.yaml: Application\/argocd\/dev-metrics-server: spec\.source\.helm\.valuesObject\.logLevl\)$/,
      ),
    ]);
  });
});
