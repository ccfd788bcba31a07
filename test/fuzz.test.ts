/**
 * Hostile and careless variants of the example configs, generated from a fixed seed: wrong types at every key, huge
 * strings, odd Unicode (NUL, direction overrides, zero-width), deep nesting, alias bombs and prototype keys. Each
 * goes through the loader, the renderer and the writer (synth, in process); a handful also through the real CLI.
 * Every variant must end either rendered or in a ConfigError whose every line is `file: key: message`, in bounded
 * time, with the output folder untouched on failure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { synth } from '../src/synth.ts';
import { tempConfig, tempDir } from './helpers.ts';

/** mulberry32: a small deterministic PRNG, so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Doc = Record<string, unknown>;
type Path = readonly (string | number)[];

/** Every key path of a document: maps, lists and leaves. */
function paths(value: unknown, at: Path = []): Path[] {
  const here = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

function setAt(doc: Doc, path: Path, value: unknown): void {
  let cur = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string | number, unknown>;
  // defineProperty, so "__proto__" becomes a key as YAML would make it, not the object's prototype.
  Object.defineProperty(cur, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

const WEIRD = ['\u0000', '\u202e', '\u200b', '\u2066', '\ufeff', '\u001b[31m'];
const PROTO = ['__proto__', 'constructor', 'prototype'];

/** Replacements for a value: wrong types, huge and odd strings, deep nesting. */
function wrongValues(rand: () => number, original: unknown): unknown[] {
  const nested = (depth: number): unknown => (depth === 0 ? 'x' : rand() < 0.5 ? [nested(depth - 1)] : { k: nested(depth - 1) });
  const odd = typeof original === 'string' ? original : 'text';
  const cut = Math.floor(rand() * odd.length);
  return [
    42,
    -1.5,
    true,
    '',
    [],
    {},
    ['a', 1],
    'x'.repeat(200_000),
    `${odd.slice(0, cut)}${WEIRD[Math.floor(rand() * WEIRD.length)]}${odd.slice(cut)}`,
    nested(80),
    'https://user:s3cr3t@example.com/x',
  ];
}

const bomb = (indent: string) =>
  [`${indent}b0: &b0 [x, x, x, x, x, x, x, x, x, x]`, ...Array.from({ length: 8 }, (_, i) => `${indent}b${i + 1}: &b${i + 1} [${Array(10).fill(`*b${i}`).join(', ')}]`)].join('\n');

/** A snapshot of a folder: relative path → size and mtime, to prove nothing was written. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${p.slice(dir.length)} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

const LINE = /^\S*((clusters|facts)\/[a-z0-9-]+|fleet)\.yaml: \S[^\n]*: \S/;

describe('fuzz: hostile config never crashes, hangs or writes', () => {
  it('ends every generated variant in a rendered config or a file-and-key ConfigError, in bounded time', async () => {
    const rand = prng(20261129);
    const config = tempConfig();
    const out = tempDir('platform-fuzz-out-');
    await synth({ configDir: config, outDir: out });
    let before = snapshot(out);
    /** Variants: [file, label, file text, must it fail?]. */
    const variants: Array<[string, string, string, boolean]> = [];
    for (const name of ['clusters/dev.yaml', 'clusters/prod.yaml', 'facts/dev.yaml']) {
      const pristine = readFileSync(join(config, name), 'utf8');
      const doc = load(pristine) as Doc;
      const all = paths(doc);
      // Wrong values at every key path, twice with different picks.
      for (let round = 0; round < 2; round++) {
        all.forEach((path, i) => {
          const choices = wrongValues(rand, path.reduce<any>((v, k) => v[k], doc));
          const pick = choices[(i + round * 5 + Math.floor(rand() * choices.length)) % choices.length];
          const copy = structuredClone(doc);
          setAt(copy, path, pick);
          const hostile = typeof pick === 'string' && (pick.includes('s3cr3t') || WEIRD.some((w) => pick.includes(w)));
          variants.push([name, `${name} ${path.join('.')} = ${JSON.stringify(pick).slice(0, 40)}`, dump(copy), hostile]);
        });
      }
      // A prototype key under a random map (js-yaml's dump writes it as a plain key).
      const maps = all.filter((p) => {
        const v = p.reduce<any>((x, k) => x[k], doc);
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      for (let i = 0; i < 6 && maps.length > 0; i++) {
        const at = maps[Math.floor(rand() * maps.length)];
        const copy = structuredClone(doc);
        setAt(copy, [...at, PROTO[i % 3]], { replicas: 50 });
        variants.push([name, `${name} ${at.join('.')}.${PROTO[i % 3]}`, dump(copy), true]);
      }
      variants.push([name, `${name}: bomb at the top`, `${pristine}\n${bomb('')}\n`, true]);
      variants.push([name, `${name}: deep nesting`, `${pristine}\ndeep: ${'['.repeat(3000)}${']'.repeat(3000)}\n`, true]);
      variants.push([name, `${name}: NUL in a key`, `${pristine}\nke\u0000y: 1\n`, true]);
    }
    // Alias bombs inside Helm values (as text: js-yaml's dump never writes aliases).
    const dev = readFileSync(join(config, 'clusters', 'dev.yaml'), 'utf8');
    for (const id of ['metrics-server', 'reloader']) {
      variants.push(['clusters/dev.yaml', `bomb under addons.${id}.values`, dev.replace(`  ${id}:\n`, `  ${id}:\n    values:\n${bomb('      ')}\n`), true]);
    }

    const slowest = { ms: 0, label: '' };
    const originals = new Map(variants.map(([name]) => [name, readFileSync(join(config, name), 'utf8')]));
    for (const [name, label, text, mustFail] of variants) {
      for (const [other, original] of originals) writeFileSync(join(config, other), other === name ? text : original);
      const start = performance.now();
      let error: unknown;
      try {
        await synth({ configDir: config, outDir: out });
      } catch (err) {
        error = err;
      }
      const ms = performance.now() - start;
      if (ms > slowest.ms) Object.assign(slowest, { ms, label });
      if (error === undefined) {
        expect(mustFail, `${label}: rendered, but it must be rejected`).toBe(false);
        before = snapshot(out);
        continue;
      }
      expect((error as Error).name, `${label}: ${(error as Error).stack}`).toBe('ConfigError');
      for (const line of (error as Error).message.split('\n')) expect(line, label).toMatch(LINE);
      expect(snapshot(out), `${label}: the output folder changed`).toBe(before);
    }
    expect(variants.length).toBeGreaterThan(250);
    expect(slowest.ms, `slowest: ${slowest.label}`).toBeLessThan(3000);
  }, 30_000);

  it('the real CLI exits 1 with file and key, and leaves the output folder untouched', async () => {
    const config = tempConfig();
    const out = tempDir('platform-fuzz-cli-');
    await synth({ configDir: config, outDir: out }); // a rendered output to keep, before the config turns hostile
    const before = snapshot(out);
    const file = join(config, 'clusters', 'dev.yaml');
    const text = readFileSync(file, 'utf8')
      .replace('repoURL: https://github.com', 'repoURL: https://deploy:tok3n@github.com')
      .replace('  metrics-server:\n', `  metrics-server:\n    values:\n      constructor: {prototype: {x: 1}}\n${bomb('      ')}\n`);
    writeFileSync(file, text);
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'platform.mjs'), 'synth', '--config', config, '--out', out], { cwd: config, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PLATFORM_UPSTREAM: process.env.PLATFORM_UPSTREAM ?? '' } });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('Config errors (nothing was written):');
    for (const line of lines.slice(1)) expect(line).toMatch(LINE);
    expect(run.stderr).toContain('clusters/dev.yaml: gitops.repoURL: the value holds a URL with credentials');
    expect(run.stderr).toContain('clusters/dev.yaml: addons.metrics-server.values.constructor: the key "constructor" is not allowed');
    expect(run.stderr).toMatch(/clusters\/dev\.yaml: addons\.metrics-server\.values\.b\d[^:]*: expands to more than/);
    expect(run.stderr).not.toMatch(/tok3n|\n\s+at /);
    expect(snapshot(out)).toBe(before);
  }, 30_000);
});
