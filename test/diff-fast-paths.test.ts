/**
 * The diff's fast paths give what the slow ones gave: `sameCanonical` decides as `canonical(a) === canonical(b)`,
 * and `dumpSorted` writes what js-yaml's dump with sortKeys writes, on rendered objects and edge cases.
 */
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { canonical, dumpSorted, sameCanonical } from '../src/diff/engine.ts';
import { redactPair } from '../src/diff/redact.ts';
import { renderFixture } from './helpers.ts';

const jsYamlSorted = (v: unknown) => dump(v, { lineWidth: -1, noRefs: true, sortKeys: true });

const SCALARS: unknown[] = [
  ...['', 'a', 'b', 'yes', 'true', 'null', '~', '8080', '1.5', '2026-11-29', 'a: b', '- x', "it's", 'a\nb', 'a\nb\n', '  lead', 'héllo', 'x'.repeat(300)],
  ...[0, -0, 1, -1, 1.5, 1e21, 2 ** 53, NaN, Infinity, -Infinity, true, false, null, undefined],
];

/** Objects whose keys the engine cannot sort in a plain object, or that are not plain. */
const ODD: unknown[] = [
  { b: 1, 10: 'ten', 2: 'two', a: 0 },
  { '0': 'zero', x: { '01': 'not an index', '1': 'one' } },
  JSON.parse('{"__proto__": {"x": 1}, "a": 2}'),
  Object.assign(Object.create(null), { b: 1, a: 2 }),
  { when: new Date(0) },
  { b: undefined, a: 1 },
  [undefined, null, { z: 1, y: [] }],
  { nested: [[{ d: 1, c: 2 }], {}, []] },
];

describe('sameCanonical', () => {
  it('decides as comparing canonical forms, on scalars, odd objects and rendered objects', () => {
    const values: unknown[] = [...SCALARS, ...ODD, {}, [], [null], [undefined], { a: undefined }, { a: null }, { constructor: 'x' }, [1, 2], [2, 1], { a: 1, b: 2 }, { b: 2, a: 1 }];
    for (const a of values) for (const b of values) expect(sameCanonical(a, b), `${canonical(a)} vs ${canonical(b)}`).toBe(canonical(a) === canonical(b));
  });

  it('finds every one-leaf change of a rendered Application, and none in a copy', () => {
    const text = [...renderFixture('dev').files].find(([p]) => p.startsWith('apps/') && p.includes('cert-manager'))![1];
    const obj = load(text) as Record<string, unknown>;
    expect(sameCanonical(obj, load(text))).toBe(true);
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      else paths.push(path);
    };
    walk(obj, []);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const copy = load(text) as Record<string, any>;
      let at = copy;
      for (const k of path.slice(0, -1)) at = at[k];
      at[path[path.length - 1]] = 'changed';
      expect(sameCanonical(obj, copy)).toBe(false);
      expect(canonical(obj) === canonical(copy)).toBe(false);
    }
  });
});

describe('dumpSorted', () => {
  it('writes what js-yaml writes with sortKeys, for every YAML file of a render, redacted as the diff shows it', () => {
    let files = 0;
    for (const name of ['dev', 'prod']) {
      for (const [path, text] of renderFixture(name).files) {
        if (!/\.ya?ml$/.test(path)) continue;
        const obj = load(text);
        const [redacted] = redactPair(obj as never, obj as never);
        expect(dumpSorted(obj), path).toBe(jsYamlSorted(obj));
        expect(dumpSorted(redacted), path).toBe(jsYamlSorted(redacted));
        files++;
      }
    }
    expect(files).toBeGreaterThan(50);
  });

  it('writes what js-yaml writes for scalars at every position, numeric keys and objects that are not plain', () => {
    for (const v of [...SCALARS, ...ODD]) {
      for (const doc of [v, { z: v, a: [v, { y: v, b: v }] }, [v], { m: { '5': v, x: v } }]) {
        expect(dumpSorted(doc), JSON.stringify(doc) ?? String(doc)).toBe(jsYamlSorted(doc));
      }
    }
  });
});
