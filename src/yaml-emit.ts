/**
 * A faster `dump(value, { lineWidth: -1, noRefs: true })` of js-yaml 5.5.0 for the objects synth writes, with the
 * same bytes. js-yaml builds a node tree, then tests every scalar against large Unicode regexes and the implicit
 * types of its YAML 1.1 + 1.2 dump schema; on the examples that was ~10 % of a synth. Here the block layout (2-space
 * indent, sequences indented under their key, `{}`/`[]` when empty, `|` blocks for multi-line strings) is written
 * directly, and each scalar takes one of two paths:
 * - a string made of letters, digits and `_./=+@,()-` (not `-` first; a `:` or space only before another such
 *   character), a safe integer, a boolean or null is written as js-yaml writes it: plain, unless js-yaml's own
 *   resolver of implicit types (`DUMP_SCHEMA.resolveImplicitScalarTag`, what its dumper asks) reads the string as
 *   something else (`'8080'`, `'true'`, `'yes'`, `'1.5'`, `'2026-11-29'`), then single-quoted;
 * - any other scalar (other numbers, empty, quoted, multi-line, unicode strings) asks js-yaml itself, as the value
 *   of a one-key document, and keeps the answer (a bounded cache): its style does not depend on the nesting level
 *   (js-yaml, src/ast/scalar_styler.ts: only level 0 differs, and the root here is a mapping), only a `|` block's
 *   indentation does, which is re-applied per level and checked against js-yaml's own text.
 * Anything else (the root not a non-empty plain object, `undefined`, Date, Set, Map, Buffer, class instances, keys
 * or values js-yaml writes in another form than these) goes to js-yaml's `dump` for the whole document, so the
 * output is the same in every case; test/yaml-emit.test.ts compares both on rendered clusters and edge cases.
 */
import { DUMP_SCHEMA, dump, strTag } from 'js-yaml';

const OPTIONS = { lineWidth: -1, noRefs: true } as const;

/** The js-yaml call this module stands for. */
export function dumpWithJsYaml(value: unknown): string {
  return dump(value, OPTIONS);
}

/** A string js-yaml writes plain or single-quoted in every position, as {@link simpleString} tells. */
const SIMPLE = /^[\w./](?:[\w./=+@,()-]|[: ](?=[\w./=+@,()-]))*$/;

/** A {@link SIMPLE} string as js-yaml writes it: plain when it reads back as a string, else in single quotes. */
function simpleString(s: string): string {
  return DUMP_SCHEMA.resolveImplicitScalarTag(s).tag.tagName === strTag.tagName ? s : `'${s}'`;
}

/** How js-yaml writes a scalar: `text` at any level, or a `|` block whose lines get the level's indentation. */
type Scalar = { readonly text: string; readonly block?: string } | null;

/** Answers of js-yaml for scalars (values) and keys; cleared when full, so memory stays bounded on large fleets. */
const values = new Map<unknown, Scalar>();
const keys = new Map<string, string | null>();
// 2000, not more: each cluster adds a few scalars of its own (names, ARNs, domains) that it alone asks for, so the
// cache grew with the fleet to 20000 answers (about 3 MiB) before it was first cleared (docs/output-and-performance.md).
const CACHE_LIMIT = 2_000;
/** -0 as a cache key (a Map treats -0 and 0 as one key; js-yaml writes `-0.0` and `0`). */
const NEGATIVE_ZERO = Symbol('-0');

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * A `|` block as js-yaml writes it for a scalar at `level` (content indented 2 × level; the parent 2 less, so the
 * indentation indicator, when the text starts with spaces, is always 2). Undefined for texts js-yaml follows with a
 * document end marker (`...`, "open ended": a value of "\n" or ending in two line breaks).
 */
function literalBlock(value: string, level: number): string | undefined {
  if (value === '\n' || value.endsWith('\n\n')) return undefined;
  const indent = ' '.repeat(2 * level);
  const chomp = value.endsWith('\n') ? '' : '-';
  let body = '';
  for (const line of value.split('\n')) body += line === '' ? '\n' : `${indent}${line}\n`;
  // split() leaves one empty piece after the last line break, and every piece got one: drop the extra ones.
  body = body.slice(0, value.endsWith('\n') ? -2 : -1);
  return `|${/^\n* /.test(value) ? '2' : ''}${chomp}\n${body}`;
}

/** js-yaml's text for a scalar value, null when this module cannot place it (the document falls back). */
function scalar(value: unknown): Scalar {
  const key = Object.is(value, -0) ? NEGATIVE_ZERO : value;
  const known = values.get(key);
  if (known !== undefined) return known;
  const out = dump({ a: value }, OPTIONS);
  let found: Scalar = null;
  if (out.startsWith('a: ') && out.endsWith('\n')) {
    const text = out.slice(3, -1);
    if (!text.includes('\n')) found = { text };
    else if (typeof value === 'string' && text.startsWith('|') && literalBlock(value, 1) === text) found = { text, block: value };
  }
  return remember(values, key, found);
}

/** js-yaml's text for a mapping key, null when it is not a simple `key:` (e.g. an explicit `? key`). */
function keyText(key: string): string | null {
  if (key.length <= 1024 && SIMPLE.test(key)) return simpleString(key);
  const known = keys.get(key);
  if (known !== undefined) return known;
  const out = dump({ [key]: null }, OPTIONS);
  return remember(keys, key, out.endsWith(': null\n') && !out.startsWith('?') && !out.slice(0, -1).includes('\n') ? out.slice(0, -7) : null);
}

/** Thrown inside the emitter when a value needs js-yaml; caught by {@link dumpYaml}. */
class Unsupported extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value's text in block context at `level`; '' is never returned (collections are handled by the callers). */
function scalarAt(value: unknown, level: number): string {
  switch (typeof value) {
    case 'string':
      if (SIMPLE.test(value)) return simpleString(value);
      break;
    case 'number':
      // js-yaml's int tag: toString(10), plain (it reads back as an int); -0 and floats are its float tag's.
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
      break;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : unsupported();
    default:
      // undefined (js-yaml drops the pair, or writes null in a sequence), functions, symbols, BigInt
      return unsupported();
  }
  const s = scalar(value) ?? unsupported();
  if (s.block === undefined || level === 1) return s.text;
  return literalBlock(s.block, level) ?? unsupported();
}

function unsupported(): never {
  throw new Unsupported();
}

/** js-yaml's writeBlockMapping: pairs on their own lines at `level`, the first inline when `compact`. */
function mapping(object: Record<string, unknown>, level: number, compact: boolean): string {
  let out = '';
  const nextLine = `\n${' '.repeat(2 * level)}`;
  for (const key of Object.keys(object)) {
    if (!compact || out !== '') out += nextLine;
    out += keyText(key) ?? unsupported();
    out += ':';
    out += valueText(object[key], level + 1, false);
  }
  return out;
}

/** js-yaml's writeBlockSequence: `- item` lines at `level`, the first inline when `compact`. */
function sequence(items: readonly unknown[], level: number, compact: boolean): string {
  let out = '';
  const nextLine = `\n${' '.repeat(2 * level)}`;
  for (let i = 0; i < items.length; i++) {
    if (!compact || out !== '') out += nextLine;
    out += '-';
    out += valueText(items[i], level + 1, true);
  }
  return out;
}

/** What follows `key:` or `-`: a nested block (starting with a line break), or a space and the inline text. */
function valueText(value: unknown, level: number, compact: boolean): string {
  if (Array.isArray(value)) return value.length === 0 ? ' []' : compact ? ` ${sequence(value, level, true)}` : sequence(value, level, false);
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 0) return ' {}';
    return compact ? ` ${mapping(value, level, true)}` : mapping(value, level, false);
  }
  return ` ${scalarAt(value, level)}`;
}

/**
 * `dump(value, { lineWidth: -1, noRefs: true })` of js-yaml, byte for byte, faster for rendered Kubernetes objects.
 * @param value any value; a non-empty plain object takes the fast path, anything else js-yaml's dump
 * @returns the YAML text, ending in a line break
 * @throws what js-yaml's dump throws for values it cannot represent (functions, symbols, BigInt, Map)
 */
export function dumpYaml(value: unknown): string {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return dumpWithJsYaml(value);
  try {
    return `${mapping(value, 0, true)}\n`;
  } catch (err) {
    if (err instanceof Unsupported) return dumpWithJsYaml(value);
    throw err;
  }
}
