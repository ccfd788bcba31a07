/**
 * Issue 16, peak memory flat in the number of clusters: what synth keeps per cluster while it streams. Loaded
 * configs must not keep their files' text alive (V8 keeps a parsed scalar as a slice of the whole text), and the
 * no-change index holds one listing per shape of cluster, not one per cluster.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ADDONS } from '../charts/registry.ts';
import { loadClusters } from '../config/load.ts';
import { parseConfigYaml } from '../config/yaml.ts';
import { DistWriter, listFiles } from '../src/dist.ts';
import type { RenderedCluster } from '../src/render.ts';
import { synth } from '../src/synth.ts';
import { mixedFleetConfig } from '../scripts/mixed-fleet.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { FIXTURE_CONFIG, tempDir } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Bytes of JavaScript heap in use after a full collection. */
const liveHeap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('synth memory', () => {
  it('keeps no file text alive through loaded values', () => {
    // 20 cluster files of 300 KiB each (a long comment): 6 MiB of text if any parsed value still holds its file.
    const config = mixedFleetConfig(tempDir('platform-config-'), 20, FIXTURE_CONFIG);
    const comment = `# ${'x'.repeat(98)}\n`.repeat(3000);
    for (const file of readdirSync(join(config, 'clusters'))) appendFileSync(join(config, 'clusters', file), comment);
    const before = liveHeap();
    const clusters = loadClusters({ configDir: config, addons: ADDONS });
    const retained = liveHeap() - before;
    expect(clusters).toHaveLength(20);
    // The clusters themselves are about 10 KiB each.
    expect(retained).toBeLessThan(2 * 2 ** 20);
  });

  it('detaches every long string of a parsed document, also through aliases, and keeps the values', () => {
    const text = `# ${'c'.repeat(1000)}\nbase: &b {url: https://charts.example.com/stable, short: ab}\nlist: [*b, 'a string of 13+ chars']\n`;
    const { value, problems } = parseConfigYaml(text, 'x.yaml');
    expect(problems).toEqual([]);
    expect(value).toEqual({ base: { url: 'https://charts.example.com/stable', short: 'ab' }, list: [{ url: 'https://charts.example.com/stable', short: 'ab' }, 'a string of 13+ chars'] });
    const doc = value as { base: object; list: object[] };
    // The alias still names the same map.
    expect(doc.list[0]).toBe(doc.base);
  });

  it('indexes one listing per shape of cluster, with the name left out, that lists the folder exactly', async () => {
    // 6 clusters, copies of 2 examples: 2 shapes.
    const config = mixedFleetConfig(tempDir('platform-config-'), 6, FIXTURE_CONFIG);
    const out = tempDir();
    const indexFile = join(tempDir(), 'index.json');
    await synth({ configDir: config, outDir: out, codeVersion: 'v1', indexFile });
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { format: number; clusters: Record<string, { shape: string }> };
    expect(index.format).toBe(4);
    const entries = Object.entries(index.clusters);
    expect(entries.map(([name]) => name).sort()).toEqual(['c0001', 'c0002', 'c0003', 'c0004', 'c0005', 'c0006']);
    expect(new Set(entries.map(([, e]) => e.shape)).size).toBe(2);
    for (const [name, { shape }] of entries) {
      expect(shape).not.toContain(name);
      const listed = shape.split('\0').join(name).split('\n');
      const files = listFiles(join(out, name));
      expect(listed.filter((p) => !p.endsWith('/'))).toEqual(files);
    }
  });

  it('takes a staged cluster\'s files when stage() is called, so the stream can drop them while the writes wait', async () => {
    const out = tempDir();
    const files = new Map([
      ['apps/app.yaml', 'version: 1 # ünïcödé\n'],
      ['manifest.json', `${JSON.stringify({ cluster: 'a', generatedBy: 'npm run synth' })}\n`],
    ]);
    const cluster: RenderedCluster = { name: 'a', files, applications: 1, objects: 1 };
    const writer = new DistWriter(out);
    try {
      const staged = writer.stage(cluster);
      // Whatever happens to the rendered cluster after the call, the staged bytes are the ones it had.
      files.set('apps/app.yaml', 'changed\n');
      const second = writer.stage({ name: 'b', files: new Map([['manifest.json', `${JSON.stringify({ cluster: 'b', generatedBy: 'npm run synth' })}\n`]]), applications: 0, objects: 0 });
      expect(await staged).toEqual({ name: 'a', written: 2, unchanged: 0, removed: 0 });
      await second;
      writer.commit();
    } finally {
      writer.close();
    }
    expect(readFileSync(join(out, 'a', 'apps', 'app.yaml'), 'utf8')).toBe('version: 1 # ünïcödé\n');
    expect(listFiles(join(out, 'b'))).toEqual(['manifest.json']);
  });

  it('sizes the heap of `npm run synth` in the form the bench runs, never with a hard limit below 512 MiB', () => {
    const { scripts } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The form scripts/bench.ts reads the options from, so the bench measures this command line.
    const parsed = /^node((?: --[a-z-]+(?:=[\w.-]+)?)*) bin\/platform\.mjs synth$/.exec(scripts.synth);
    expect(parsed).not.toBeNull();
    // Without them V8 grows the old generation to 4x the live heap (docs/output-and-performance.md).
    const limit = /--max-old-space-size=(\d+)/.exec(parsed![1]);
    expect(Number(limit?.[1])).toBeGreaterThanOrEqual(512);
    expect(parsed![1]).toMatch(/--max-semi-space-size=\d+/);
  });
});
