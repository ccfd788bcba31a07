/** Schema sources: the pinned table against PROVENANCE.md, the URL source (checksums, cache), and missing sources. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamDir } from '../src/paths.ts';
import { dataVersion, PINNED_CHARTS, PINNED_FILES, pinnedUrl } from '../src/validate/pinned.ts';
import { LocalSource, schemaSource, SchemaSourceError, schemaSourceMissing, sha256, UrlSource } from '../src/validate/sources.ts';

const UPSTREAM = upstreamDir();
const MISSING = schemaSourceMissing(UPSTREAM);
const work = mkdtempSync(join(tmpdir(), 'validate-sources-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(MISSING)(`pinned table${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  it('lists every upstream file with the repository, commit and SHA-256 that PROVENANCE.md gives', async () => {
    const provenance = readFileSync(join(UPSTREAM, 'PROVENANCE.md'), 'utf8');
    const local = (await new LocalSource(UPSTREAM).list('crds'))
      .concat(await new LocalSource(UPSTREAM).list('charts'), await new LocalSource(UPSTREAM).list('kubernetes-schemas'))
      .sort();
    expect(PINNED_FILES.map((f) => f.local).sort()).toEqual(local);
    for (const f of PINNED_FILES) {
      expect(provenance).toContain(`| \`${f.local}\` | [${f.repo}](https://github.com/${f.repo}) | \`${f.path}\` |`);
      expect(provenance).toContain(`\`${f.commit}\``);
      expect(provenance).toContain(`${f.sha256}  ${f.local}`);
      expect(sha256(readFileSync(join(UPSTREAM, f.local), 'utf8'))).toBe(f.sha256);
    }
    expect(pinnedUrl(PINNED_FILES[0])).toBe('https://raw.githubusercontent.com/argoproj/argo-cd/109ca7ca71139e514114499d294a492e7910a965/manifests/crds/application-crd.yaml');
  });

  it('reads each chart version from its pinned Chart.yaml (release tag if unstamped) as PROVENANCE.md names it, with its Helm repositories', () => {
    const provenance = readFileSync(join(UPSTREAM, 'PROVENANCE.md'), 'utf8');
    for (const c of PINNED_CHARTS.filter((c) => !c.releasedWith)) {
      const section = provenance.split(`\n### ${c.name}\n`)[1]?.split('\n### ')[0] ?? '';
      const chartYaml = readFileSync(join(UPSTREAM, 'charts', c.name, 'Chart.yaml'), 'utf8');
      const version = dataVersion(c, chartYaml);
      expect(version, c.name).toEqual({ version: expect.any(String) });
      expect(section, c.name).toContain(`Chart version **${(version as { version: string }).version}**`);
      expect(section, c.name).toContain(`Helm repository: \`${c.repos[0]}\``);
      // A release tag stands in only for an unstamped Chart.yaml, and is the tag the pinned files come from.
      if (c.releaseTag) {
        expect(chartYaml, c.name).toMatch(/^version: v0\.0\.0$/m);
        expect(provenance, c.name).toContain(`| \`charts/${c.name}/Chart.yaml\` | `);
        expect(provenance.split('\n').find((l) => l.startsWith(`| \`charts/${c.name}/Chart.yaml\``)), c.name).toContain(`| \`${c.releaseTag}\` |`);
      }
    }
    // A chart without data is released with one that has data.
    for (const c of PINNED_CHARTS.filter((c) => c.releasedWith)) expect(PINNED_CHARTS.find((m) => m.name === c.releasedWith && !m.releasedWith), c.name).toBeDefined();
  });

  it('fails an unstamped Chart.yaml without a release tag, and one without a version, naming the file', () => {
    expect(dataVersion({ name: 'x', repos: [] }, 'name: x\nversion: 1.2.3\n')).toEqual({ version: '1.2.3' });
    expect(dataVersion({ name: 'x', repos: [] }, 'version: "2.9.0"\n')).toEqual({ version: '2.9.0' });
    expect(dataVersion({ name: 'x', repos: [], releaseTag: 'v1.0.0' }, 'version: v0.0.0\n')).toEqual({ version: 'v1.0.0' });
    expect(dataVersion({ name: 'x', repos: [] }, 'version: v0.0.0\n')).toEqual({
      error: 'charts/x/Chart.yaml says version v0.0.0 (unstamped) and the pinned table gives no release tag; allowed: a stamped Chart.yaml, or releaseTag in PINNED_CHARTS',
    });
    expect(dataVersion({ name: 'x', repos: [] }, 'name: x\n')).toEqual({ error: 'charts/x/Chart.yaml has no version; allowed: the pinned upstream Chart.yaml' });
  });
});

describe.skipIf(MISSING)(`URL source${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  let server: Server;
  let base: string;
  let requests = 0;
  beforeAll(async () => {
    // A mirror with the upstream layout, served from the local copy.
    server = createServer((req, res) => {
      requests++;
      const path = join(UPSTREAM, decodeURIComponent(req.url ?? '/'));
      if (!path.startsWith(UPSTREAM) || !existsSync(path)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(path));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads a pinned file once, checks its SHA-256 and serves it from the cache afterwards', async () => {
    const cacheDir = join(work, 'mirror-cache');
    const source = schemaSource({ locations: [base], upstream: join(work, 'none'), cacheDir });
    const file = 'crds/karpenter/karpenter.sh_nodepools.yaml';
    const text = await source.read(file);
    expect(sha256(text!)).toBe(PINNED_FILES.find((f) => f.local === file)!.sha256);
    expect(readFileSync(join(cacheDir, file), 'utf8')).toBe(text);
    const before = requests;
    expect(await new UrlSource({ base, cacheDir }).read(file)).toBe(text);
    expect(requests).toBe(before);
    expect(await source.list('kubernetes-schemas')).toEqual(['kubernetes-schemas/v1.28.0/_definitions.json', 'kubernetes-schemas/v1.36.0/_definitions.json']);
  });

  it('fails a download whose SHA-256 differs from the pinned one', async () => {
    const source = new UrlSource({ base: 'pinned', cacheDir: join(work, 'tampered'), fetch: async () => ({ ok: true, status: 200, text: async () => 'tampered' }) });
    const file = PINNED_FILES.find((f) => f.local === 'charts/reloader/Chart.yaml')!;
    await expect(source.read(file.local)).rejects.toThrow(
      `${pinnedUrl(file)}: SHA-256 ${sha256('tampered')} differs from the pinned ${file.sha256}; allowed: the byte-identical pinned file`,
    );
  });
});

describe('missing schema sources', () => {
  it('fails a local folder without the upstream layout, saying what to pass', () => {
    const dir = join(work, 'empty');
    expect(() => schemaSource({ locations: [dir], upstream: dir, cacheDir: work })).toThrow(SchemaSourceError);
    expect(() => schemaSource({ locations: [], upstream: dir, cacheDir: work })).toThrow(
      `no schema source: ${dir} has no kubernetes-schemas/ folder; allowed: pass --schema-location DIR`,
    );
    expect(schemaSourceMissing(dir)).toMatch(/^no schema source at .*empty: pass --schema-location DIR/);
  });

  it('fails an unreachable URL, naming the file and the alternative', async () => {
    const source = new UrlSource({ base: 'pinned', cacheDir: join(work, 'offline'), fetch: async () => Promise.reject(new Error('getaddrinfo ENOTFOUND')) });
    await expect(source.read('charts/reloader/Chart.yaml')).rejects.toThrow(
      /^cannot download charts\/reloader\/Chart\.yaml from https:\/\/raw\.githubusercontent\.com\/stakater\/Reloader\/.* \(getaddrinfo ENOTFOUND\); allowed: a reachable URL, or --schema-location DIR/,
    );
    expect(await source.read('not/pinned.yaml')).toBeUndefined();
  });
});
