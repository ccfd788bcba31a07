/**
 * The fast YAML emitter (src/yaml-emit.ts) writes exactly what js-yaml's `dump(value, { lineWidth: -1, noRefs: true })`
 * writes: on every file of a fresh render of the fixture clusters, on edge cases at every position (value, nested
 * value, sequence item, nested sequence, key), on generated documents, and through its fallback to js-yaml.
 */
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { dumpWithJsYaml, dumpYaml } from '../src/yaml-emit.ts';
import { RENDERED_HEADER } from '../src/manifest-files.ts';
import { renderFixture } from './helpers.ts';

/** Every position a scalar can take in a rendered object. */
function positions(v: unknown): Record<string, unknown>[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', value: v },
    { metadata: { name: 'x', annotations: { deep: { deeper: { deepest: v } } } } },
    { items: [v, 'after', v] },
    { items: [[v, [v]], { key: v, other: [v] }] },
    { list: [{ name: v, value: v }] },
  ];
}

const EDGE_STRINGS = [
  // YAML 1.1 and 1.2 words and numbers that must stay strings
  ...['yes', 'Yes', 'YES', 'no', 'on', 'On', 'off', 'OFF', 'y', 'n', 'Y', 'N', 'true', 'False', 'TRUE', 'null', 'Null', 'NULL', '~', ''],
  ...['0x1F', '0o17', '0b101', '1e3', '1E3', '.inf', '-.Inf', '.nan', '.NaN', '+1', '-1', '1_000', '0.5', '.5', '5.', '190:20:30', '2026-11-29', '2026-11-29T12:00:00Z', '=', '<<'],
  // indicators, spaces, comments, separators
  ...[' lead', 'trail ', '  ', ' ', 'a: b', 'a:b', 'key:', ':', 'a #b', 'a#b', '#x', '- x', '-x', '-', '--- x', '---', '...', '... x', '? x', '?x', '@x', '`x', '!x', '&x', '*x', '%x', '|x', '>x', "'x", '"x', 'x\'y', 'x"y', '[x]', '{x}', 'a,b', 'a, b'],
  // multi-line: clip, strip, keep, leading spaces, blank lines, trailing spaces, CR, tabs
  ...['a\nb', 'a\nb\n', 'a\nb\n\n', '\n', '\n\n', 'x\n', '\nx', '  indented\nx', '\n  indented', 'a\n\nb', 'a \nb', 'a\n b', 'a\r\nb', 'a\tb', '\ta', 'line1\n---\nline2', 'key: value\nother:\n  - 1\n'],
  // unicode, invisibles, control characters
  ...['héllo wörld', 'ünïcode-value', '日本語', 'emoji 🎉', 'nbsp\u00a0x', 'bom\ufeffx', 'ls\u2028x', 'del\u007fx', 'nul\u0000x', 'bell\u0007', 'x'.repeat(2000)],
  // digits, dots and slashes first: plain when they read back as strings, else single-quoted
  ...['_', '_x', '/', '/ping', '.', '..', './a', '0', '00', '007', '8080', '1.0', '1.5', '0.0.0.0', '0.0.0.0/0', '1-2', '1:2', '12:30', '1:20:30.5', '2026-11-29 12:00:00', '1e', '0x', '0o8', '100m', '128Mi'],
  // what the renderer writes often
  ...['argocd.argoproj.io/sync-wave', 'public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1', 'arn:aws:iam::123456789012:role/dev-karpenter', '10.0.0.0/16', 'ServerSideApply=true', 'managed by (Argo CD), v2', 'a/b=c+d@e'],
];

const EDGE_VALUES: unknown[] = [...EDGE_STRINGS, 0, -0, 1, -1, -5, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53 + 2, 1.5, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, true, false, null, {}, [], [[]], [{}], { a: {} }];

describe('dumpYaml: the same bytes as js-yaml dump', () => {
  it('on every YAML file of a fresh render of the fixture clusters', () => {
    let checked = 0;
    for (const name of ['dev', 'prod']) {
      for (const [path, text] of renderFixture(name).files) {
        if (!path.endsWith('.yaml') || !text.startsWith(RENDERED_HEADER)) continue;
        const body = text.slice(text.indexOf('\n') + 1);
        const object = load(body);
        expect(dumpWithJsYaml(object), `${name}/${path}`).toBe(body);
        expect(dumpYaml(object), `${name}/${path}`).toBe(body);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it.each(EDGE_VALUES.map((v) => [JSON.stringify(v) ?? String(v), v]))('on %s as a value at every position', (_, v) => {
    for (const doc of positions(v)) expect(dumpYaml(doc)).toBe(dumpWithJsYaml(doc));
  });

  it.each(EDGE_STRINGS.map((s) => [JSON.stringify(s), s]))('on %s as a key', (_, s) => {
    for (const doc of [{ [s]: 'v' }, { a: { [s]: { [s]: [1] } } }, { list: [{ [s]: 1, after: 2 }] }]) expect(dumpYaml(doc)).toBe(dumpWithJsYaml(doc));
  });

  it('on generated documents', () => {
    // A fixed-seed generator (mulberry32): the same documents every run.
    let seed = 16;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const alphabet = ['a', 'b', 'Z', '0', '1', '9', '-', '_', '.', '/', ':', ' ', '#', '\n', '\t', "'", '"', ',', '[', '{', '@', '=', '+', '(', ')', 'é', '~', '?', '!', '|', '>', '*', '&', '%'];
    const string = () => (random() < 0.3 ? pick(EDGE_STRINGS) : Array.from({ length: Math.floor(random() * 12) }, () => pick(alphabet)).join(''));
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.5) return random() < 0.8 ? string() : pick(EDGE_VALUES);
      if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [string(), value(depth + 1)]));
    };
    for (let i = 0; i < 3000; i++) {
      const doc = { kind: string(), spec: value(0), [string()]: value(1) };
      expect(dumpYaml(doc), JSON.stringify(doc)).toBe(dumpWithJsYaml(doc));
    }
  });

  it('falls back to js-yaml for what the fast path does not write', () => {
    // Each of these makes the fast path give up; js-yaml's own forms prove the fallback ran.
    expect(dumpYaml({ a: new Date(0) })).toBe('a: 1970-01-01T00:00:00.000Z\n');
    expect(dumpYaml({ a: new Set(['x']) })).toBe('a: !!set\n  x: null\n');
    expect(dumpYaml({ a: undefined, b: 1 })).toBe('b: 1\n');
    expect(dumpYaml({ a: [undefined, 1] })).toBe('a:\n  - null\n  - 1\n');
    expect(dumpYaml({ a: { b: 'x\n\n' } })).toBe('a:\n  b: |+\n    x\n\n...\n');
    expect(dumpYaml({ ['k\ney']: 1 })).toBe(dumpWithJsYaml({ ['k\ney']: 1 }));
    expect(dumpYaml({ ['k'.repeat(1100)]: 1 })).toBe(dumpWithJsYaml({ ['k'.repeat(1100)]: 1 }));
    for (const root of [{}, [], 'text', 1, null, [{ a: 1 }]]) expect(dumpYaml(root)).toBe(dumpWithJsYaml(root));
    expect(() => dumpYaml({ a: () => 1 })).toThrow(/unacceptable kind of an object to dump/);
    expect(() => dumpYaml({ a: 1n })).toThrow(/unacceptable kind of an object to dump/);
  });
});
