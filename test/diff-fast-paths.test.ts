/**
 * The diff's fast paths give what the slow ones gave: `sameCanonical` decides as `canonical(a) === canonical(b)`,
 * `dumpSorted` writes what js-yaml's dump with sortKeys writes, and `loadYaml` reads what js-yaml's load reads (or
 * throws what it throws), on rendered objects and edge cases.
 */
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { canonical, compareTrees, dumpSorted, FAST_CODEC, REFERENCE_CODEC, sameCanonical, type Codec } from '../src/diff/engine.ts';
import { formatMarkdown, formatText } from '../src/diff/format.ts';
import { redactPair } from '../src/diff/redact.ts';
import { loadYaml, readSubset, verifiedRead } from '../src/diff/yaml-load.ts';
import { dumpYaml } from '../src/yaml-emit.ts';
import { renderFixture } from './helpers.ts';

const jsYamlSorted = (v: unknown) => dump(v, { lineWidth: -1, noRefs: true, sortKeys: true });

/** Every YAML file of the dev and prod fixture renders, as [path, text]. */
const renderedYaml = (): [string, string][] => ['dev', 'prod'].flatMap((name) => [...renderFixture(name).files].filter(([path]) => /\.ya?ml$/.test(path)));

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
    const files = renderedYaml();
    for (const [path, text] of files) {
      const obj = load(text);
      const [redacted] = redactPair(obj as never, obj as never);
      expect(dumpSorted(obj), path).toBe(jsYamlSorted(obj));
      expect(dumpSorted(redacted), path).toBe(jsYamlSorted(redacted));
    }
    expect(files.length).toBeGreaterThan(50);
  });

  it('writes what js-yaml writes for scalars at every position, numeric keys and objects that are not plain', () => {
    for (const v of [...SCALARS, ...ODD]) {
      for (const doc of [v, { z: v, a: [v, { y: v, b: v }] }, [v], { m: { '5': v, x: v } }]) {
        expect(dumpSorted(doc), JSON.stringify(doc) ?? String(doc)).toBe(jsYamlSorted(doc));
      }
    }
  });
});

/** What a call gives: its value, or the message it throws. */
function outcome(f: () => unknown): { value?: unknown; error?: string } {
  try {
    return { value: f() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const EDGE_STRINGS = [
  ...['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'False', 'TRUE', 'null', 'Null', 'NULL', '~', '', '0x1F', '0o17', '0b101', '1e3', '.inf', '-.Inf', '.nan', '+1', '-1', '1_000', '0.5', '.5', '5.', '190:20:30', '2026-11-29', '=', '<<'],
  ...[' lead', 'trail ', ' ', 'a: b', 'a:b', 'key:', ':', 'a #b', 'a#b', '#x', '- x', '-x', '-', '--', '---', '...', '? x', '@x', '`x', '!x', '&x', '*x', '%x', '|x', '>x', "'x", '"x', "x'y", 'x"y', '[x]', '{x}', 'a,b', '(a)', '$x', '^x', '~x', 'a\\b'],
  ...['a\nb', 'a\nb\n', 'a\nb\n\n', '\n', 'x\n', '\nx', '  indented\nx', '\n  indented', 'a\n\nb', 'a \nb', 'a\n b', 'a\r\nb', 'a\tb', '# not a comment\n  - nor a list\nkey: no\n'],
  ...['héllo wörld', '日本語', 'emoji 🎉', 'nbsp\u00a0x', '\u00a0lead', 'ls\u2028x', 'nul\u0000x', '0', '007', '8080', '1.0', '0.0.0.0/0', '12:30', '100m', 'argocd.argoproj.io/sync-wave', 'arn:aws:iam::123456789012:role/x', 'https://a.b/c?d=e'],
];
const EDGE_VALUES: unknown[] = [...EDGE_STRINGS, 0, -0, 1, -5, 2 ** 53 + 2, 1.5, 1e21, 1e-7, NaN, Infinity, -Infinity, true, false, null, {}, [], [[]], [{}]];

/** Documents holding `v` at every position a reader can meet it: value, key, sequence item, compact and nested forms. */
function documents(v: unknown): unknown[] {
  const key = typeof v === 'string' ? v : String(v);
  return [{ k: v }, { a: { b: [v, { c: v, d: [v] }] } }, [v, [v, v]], [{ x: v, y: v }], { [key]: v, z: { [key]: [v] } }];
}

describe('loadYaml', () => {
  it('uses what its reader read only when the emitter writes it back to the same text', () => {
    // Same values, other spellings: the reader reads them, the emitter would write them otherwise, so js-yaml reads.
    for (const text of ["a: 'x'\n", 'a: "x"\n', 'a:   x\n', 'b: 1\na: 2\n# a trailing comment\n']) {
      expect(readSubset(text), text).toHaveLength(1);
      expect(verifiedRead(text), text).toBeUndefined();
      expect(loadYaml(text), text).toStrictEqual(load(text));
    }
    expect(verifiedRead('# header\n# more\nb: 1\na:\n  - x\n')).toEqual([{ b: 1, a: ['x'] }]);
  });

  it('reads every YAML file of a render, itself (not through js-yaml), to the objects js-yaml reads', () => {
    const files = renderedYaml();
    for (const [path, text] of files) {
      const read = verifiedRead(text);
      // The Applications (what a code change makes the diff load on both sides) must take the fast path.
      if (path.startsWith('apps/') || path.startsWith('bootstrap/')) expect(read, path).toHaveLength(1);
      if (read) expect(read[0], path).toStrictEqual(load(text));
      expect(loadYaml(text), path).toStrictEqual(load(text));
    }
    expect(files.length).toBeGreaterThan(50);
  });

  it('gives what js-yaml gives for edge-case scalars and keys at every position, as js-yaml and synth write them', () => {
    let fast = 0;
    for (const v of EDGE_VALUES) {
      for (const doc of documents(v)) {
        for (const text of [dump(doc, { lineWidth: -1, noRefs: true }), dumpYaml(doc), jsYamlSorted(doc)]) {
          expect(loadYaml(text), text).toStrictEqual(load(text));
          if (readSubset(text)) fast++;
        }
      }
    }
    expect(fast).toBeGreaterThan(200);
  });

  it('gives what js-yaml gives (value or error) for YAML forms outside the subset', () => {
    const texts = [
      'a: 1\na: 2\n', // duplicate key
      "a: 1\n'a': 2\n",
      'a: 1\n1: x\n1.0: y\n',
      '__proto__: {x: 1}\n',
      '__proto__:\n  x: 1\n',
      'a:\n- 1\n- 2\nb: 3\n', // sequence at the key's indentation
      'a: x\n  continued\n', // multi-line plain scalar
      'a: x # comment\n',
      'a: x \n',
      'a:\tx\n',
      'a: x\r\nb: y\r\n',
      '--- \na: 1\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: [1, 2]\nb: {c: d}\n',
      "a: 'multi\n  line'\n",
      'a: "esc\\tape"\n',
      'a: >\n  folded\n  text\n',
      'a: |+\n  keep\n\n',
      'a: |2\n    indented\n',
      'a: |\n\n  leading blank\n',
      'a: |\n  x\n   \n  y\n',
      'a: |\n  # not a comment\n  x\n# a comment\nb: 1\n',
      'a: |-\n  strip\n\n\nb: |\n  clip\n\n',
      'a: |\nb: 1\n',
      '- - x\n  - y\n- -\n',
      '-   a: 1\n    b: 2\n-  c\n',
      '- a: 1\n   b: 2\n',
      'a:\n  b: 1\n c: 2\n',
      'a:\n    b: 1\n  c: 2\n',
      'key:value\n',
      'a: b: c\n',
      '? a\n: b\n',
      'a: 1\n  # deeper comment\nb: 2\n',
      '# only a comment\n',
      '',
      'scalar\n',
      '  a: 1\n',
      'a: \u00a0x\n',
      '\u00a0a: 1\n',
      'true: 1\nnull: 2\n~: 3\n',
      `${Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} deep\n`,
      'a: -\n',
      'a: b::\n',
      'a: x:\n',
      'a: x::y\nb: x :y\nc: x  y\nd: x #y\ne: x#y\nf: [x]y\n',
      '- a::b\n- .w[]?.c\n- x: y: z\n',
      'a: "x"\nb: \'y\'\nc: \'\'\nd: ""\n',
      "'quoted key': 1\n\"dq key\": 2\n'it''s': 3\n",
    ];
    for (const text of texts) expect(outcome(() => loadYaml(text)), JSON.stringify(text)).toStrictEqual(outcome(() => load(text)));
  });
});

describe('the fast paths in the engine', () => {
  /**
   * A code change as the bench makes it (every Application's retry limit), plus a values change, a moved destination,
   * an immutable selector change, a Secret's data, a removed and an added file, on rendered clusters.
   */
  function codeChange(): { base: Map<string, ReadonlyMap<string, string>>; head: Map<string, ReadonlyMap<string, string>> } {
    const base = new Map<string, ReadonlyMap<string, string>>();
    const head = new Map<string, ReadonlyMap<string, string>>();
    for (const name of ['dev', 'prod']) {
      const files = renderFixture(name).files;
      base.set(name, files);
      const edited = new Map<string, string>();
      const removed = [...files.keys()].sort().find((p) => p.startsWith('addons/') && p.endsWith('.yaml'));
      for (const [path, text] of files) {
        let t = text.replace(/^( +)limit: (\d+)$/m, (_, indent: string, n: string) => `${indent}limit: ${Number(n) + 1}`);
        if (path.startsWith('apps/')) t = t.replace(/replicaCount: \d+/, 'replicaCount: 7').replace(/^( {4}namespace: )(.+)$/m, '$1$2-moved');
        if (path.includes('deployment_')) t = t.replace(/(matchLabels:\n\s+\S+: )(\S+)/, '$1$2-v2');
        if (path !== removed) edited.set(path, t);
      }
      edited.set('addons/extra/secret_x.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  password: hunter2\n');
      head.set(name, edited);
    }
    return { base, head };
  }

  it('give the same report, text and Markdown as js-yaml and canonical strings on a code change', () => {
    const { base, head } = codeChange();
    const fast = compareTrees(base, head);
    const reference = compareTrees(base, head, REFERENCE_CODEC);
    expect(fast.clusters.reduce((n, c) => n + c.applications.changed.length, 0)).toBeGreaterThan(15);
    expect(fast.warnings.map((w) => w.kind)).toEqual(expect.arrayContaining(['prune', 'replacement', 'destination-changed']));
    expect(fast).toStrictEqual(reference);
    const fmt = { baseLabel: 'main', headLabel: 'working tree', notes: [] };
    expect(formatText(fast, fmt)).toBe(formatText(reference, fmt));
    expect(formatMarkdown(fast, fmt)).toBe(formatMarkdown(reference, fmt));
  });

  it('print an object redaction left as read from its text, without dumping it again (the same report)', () => {
    const { base, head } = codeChange();
    let dumps = 0;
    const counting: Codec = { ...FAST_CODEC, dumpSorted: (v) => (dumps++, FAST_CODEC.dumpSorted(v)) };
    const fast = compareTrees(base, head, counting);
    const shown = fast.clusters.flatMap((c) => c.groups.flatMap((g) => g.resources)).filter((r) => r.path.endsWith('.yaml'));
    expect(shown.length).toBeGreaterThan(30);
    // Only what redaction changed (the Secret's data) is dumped; every other side is its file's own text.
    expect(dumps).toBe(2);
    expect(fast).toStrictEqual(compareTrees(base, head, REFERENCE_CODEC));
  });
});

describe('comparing by the emitted text', () => {
  it('finds files equal that differ in their comments or key order only, and different ones different, as js-yaml does', () => {
    const tree = (files: Record<string, string>) => new Map([['dev', new Map(Object.entries(files))]]);
    const base = tree({ 'apps/a.yaml': '# v1\na: 1\nb: 2\n', 'apps/b.yaml': 'b: 2\na: 1\n', 'apps/c.yaml': 'a: 1\n', 'apps/d.yaml': 'a: -0.0\n', 'apps/e.yaml': 'b: 2\na: 1\n', 'apps/f.yaml': "'1': x\n'2': y\n" });
    const head = tree({ 'apps/a.yaml': '# v2\na: 1\nb: 2\n', 'apps/b.yaml': 'a: 1\nb: 2\n', 'apps/c.yaml': "a: '1'\n", 'apps/d.yaml': 'a: 0\n', 'apps/e.yaml': 'b: 3\na: 1\n', 'apps/f.yaml': "'1': x\n'2': z\n" });
    const fast = compareTrees(base, head);
    const shown = fast.clusters[0].groups.flatMap((g) => g.resources);
    expect(shown.map((r) => `${r.path} ${r.change}`)).toEqual(['apps/c.yaml changed', 'apps/d.yaml changed', 'apps/e.yaml changed', 'apps/f.yaml changed']);
    // Unsorted keys: shown sorted, as dumpSorted writes them.
    expect(shown[2].diff).toContain(' a: 1\n-b: 2\n+b: 3');
    expect(fast).toStrictEqual(compareTrees(base, head, REFERENCE_CODEC));
  });
});

describe('redactPair', () => {
  it('returns the objects themselves when it redacts nothing in them, and copies (inputs untouched) when it does', () => {
    const a = { kind: 'Deployment', spec: { replicas: 1, args: ['--v=2'], env: [{ name: 'LOG', value: 'info' }] } };
    const b = { kind: 'Deployment', spec: { replicas: 2, args: ['--v=2'], env: [{ name: 'LOG', value: 'debug' }] } };
    const [ra, rb] = redactPair(a, b);
    expect(ra).toBe(a);
    expect(rb).toBe(b);
    const c = { kind: 'Deployment', spec: { replicas: 2, args: ['--v=2'], env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] } };
    const before = JSON.stringify(c);
    const [rb2, rc] = redactPair(b, c) as [typeof b, typeof c];
    expect(rb2).toBe(b);
    expect(rc).not.toBe(c);
    expect(rc.spec.args).toBe(c.spec.args); // an untouched part is shared
    expect(rc.spec.env[0].value).toBe('<redacted>');
    expect(JSON.stringify(c)).toBe(before);
    // A key listed in another order on one side: that side is a copy in the order the walk gives (as before).
    const [, rd] = redactPair({ x: 1, y: 2 }, { y: 2, x: 1 });
    expect(Object.keys(rd as object)).toEqual(['x', 'y']);
  });
});

describe('loadYaml on damaged rendered files', () => {
  it('gives what js-yaml gives (value or error) for rendered Applications with random edits', () => {
    const texts = [...renderFixture('prod').files].filter(([p]) => p.startsWith('apps/')).map(([, t]) => t);
    const pieces = [' ', '  ', '-', '- ', ':', ': ', '#', ' #', '\n', "'", '"', '|', '|-', '>', '[', ']', '{', '}', '?', '&a ', '*a', '!', '\t', '\r', '---', '...', '%', '\\', 'x', '1', '.', '~', 'null', '0x1', '\n  ', '\n- ', '\n    ', '__proto__', ',', '\u00a0', 'é', '\n\n'];
    let seed = 16;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let fast = 0;
    for (let i = 0; i < 1500; i++) {
      let t = texts[random(texts.length)];
      for (let k = 1 + random(3); k > 0; k--) {
        const at = random(t.length);
        const op = random(3);
        const piece = pieces[random(pieces.length)];
        t = op === 0 ? t.slice(0, at) + piece + t.slice(at) : op === 1 ? t.slice(0, at) + t.slice(at + 1 + random(3)) : t.slice(0, at) + piece + t.slice(at + 1);
      }
      if (readSubset(t)) fast++;
      expect(outcome(() => loadYaml(t)), JSON.stringify(t)).toStrictEqual(outcome(() => load(t)));
    }
    expect(fast).toBeGreaterThan(250);
  });
});
