/**
 * A faster `load(text)` of js-yaml 5.5.0 (CORE_SCHEMA, its default) for the block YAML that renders write, with the
 * same objects. js-yaml turns the text into an event list, then builds the objects; on a diff of a code change that
 * touches every Application, loading the Applications of both sides was a third of the diff's own CPU. Here the
 * lines are read directly, for this subset only:
 * - block mappings and block sequences, a nested collection always indented deeper than its key (compact `- key: v`
 *   and `- - x` included), `{}` and `[]`, full-line comments and blank lines;
 * - keys: plain (letters, digits and `_./=+@,()~%$^-`), single-quoted or double-quoted without escapes, read as
 *   strings (a plain key js-yaml reads as another type, or `__proto__`, is left to js-yaml);
 * - values: plain scalars on one line (first character as for a key), typed by js-yaml's
 *   own resolver (`CORE_SCHEMA.resolveImplicitScalarTag`, what its loader asks), single-quoted and escape-free
 *   double-quoted scalars on one line, and literal blocks (`|`, `|-`) without indentation indicator.
 * Anything else (tabs, CR, control characters, document markers, anchors, aliases, tags, flow collections, folded or
 * multi-line scalars, duplicate keys, deeper nesting than 50, a root that is not a collection) is given to js-yaml's
 * `load` for the whole text, so the result (or the error thrown) is the same in every case; test/diff-fast-paths.test.ts
 * compares both on rendered clusters, edge cases and generated documents. And what the reader reads is used only when
 * synth's emitter writes it back to the same text (see verifiedRead): js-yaml stays the judge of what a text means.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import { dumpYaml } from '../yaml-emit.ts';

/** Thrown inside the reader when the text needs js-yaml; caught by {@link loadYaml}. */
class Unsupported extends Error {}

const unsupported = (): never => {
  throw new Unsupported();
};

/** Characters of a plain key (after the first): none is a YAML indicator anywhere. */
const SAFE = '\\w./=+@,()~%$^\\-';
/**
 * Characters inside a plain scalar (after the first) in block context: any printable but space (flow indicators,
 * `?`, quotes and `#` not after a space are text there).
 */
const BODY = `${SAFE}\\[\\]{}?*&!|><'"\`\\\\;#\\u00a0-\\ud7ff\\ue000-\\ufffd`;
/** A plain scalar: not starting with an indicator (`-` only before a safe character); `:` only before a body character or `:`, a space only before one that is not `#`. */
const PLAIN = new RegExp(`^(?:[\\w./(=+$^~)]|-(?=[${SAFE}]))(?:[${BODY}]|:(?=[${BODY}:])| (?=[${BODY.replace('#', '')}]))*$`);
/** A plain key: the first character as for a plain scalar, then safe characters only (no `:`, no space). */
const PLAIN_KEY = new RegExp(`^(?:[\\w./(=+$^~)]|-(?=[${SAFE}]))[${SAFE}]*$`);
const SINGLE_QUOTED = /^'((?:[^']|'')*)'$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"$/;
/** Whatever the subset leaves out, anywhere in the text: control characters but LF, BOM, line and paragraph separators, NEL, document markers and directives. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: the subset has none
const OUTSIDE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]|^(?:---|\.\.\.|%)/m;
const MAX_DEPTH = 50;
/** An array index as a key: JavaScript objects list these first, in numeric order, whatever order they were added in. */
export const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/** `s` without its leading spaces (only spaces: YAML indentation is never a tab or another blank). */
const trimSpaces = (s: string): string => {
  let n = 0;
  while (s.charCodeAt(n) === 32) n++;
  return s.slice(n);
};

/**
 * `load(text)` of js-yaml with its default options, the same value (and prototypes) or the same error, faster on the
 * block YAML renders write (see the module comment).
 * @throws what js-yaml's `load` throws (YAMLException) for text that is not one valid YAML document
 */
export function loadYaml(text: string): unknown {
  return readYaml(text).value;
}

/**
 * {@link loadYaml}'s value, with `sortedDump`: what synth's emitter writes for that value with its keys sorted (js-yaml's
 * `dump(value, { lineWidth: -1, noRefs: true, sortKeys: true })`), when the fast reader read the text (verifiedRead:
 * the emitter writes the value back to the text after its leading comments) and its keys were in sorted order in every
 * mapping (none an array index, which objects list first): then that text is the sorted dump. Absent otherwise.
 * @throws what js-yaml's `load` throws (YAMLException) for text that is not one valid YAML document
 */
export function readYaml(text: string): { readonly value: unknown; readonly sortedDump?: string } {
  const read = readChecked(text);
  if (!read) return { value: load(text) };
  return read.sorted ? { value: read.value, sortedDump: afterComments(text) } : { value: read.value };
}

/** Full-line comments (the rendered-file header) at the start of a text. */
const LEADING_COMMENTS = /^(?:#[^\n]*\n)*/;
const afterComments = (text: string) => text.slice(LEADING_COMMENTS.exec(text)![0].length);

/**
 * {@link readSubset}'s value, in a one-item array, only when synth's emitter (src/yaml-emit.ts, byte-identical to
 * js-yaml's dump) writes it back to exactly `text` after its leading comments; else undefined. js-yaml then loads
 * `text` to that value too (load(dump(x)) is x for plain data), so a reader bug can cost speed but never change what
 * the diff shows, and no render can steer it. Exported for the tests (rendered files must pass).
 */
export function verifiedRead(text: string): [unknown] | undefined {
  const read = readChecked(text);
  return read && [read.value];
}

/** {@link verifiedRead}, with whether the text's keys are sorted (see Reader.sorted). */
function readChecked(text: string): { readonly value: unknown; readonly sorted: boolean } | undefined {
  const read = readDocument(text);
  return read && dumpYaml(read.value) === afterComments(text) ? read : undefined;
}

/**
 * The document `text` holds when it is in the subset this module reads (see the module comment), in a one-item
 * array; undefined when it is not (then only js-yaml can tell). Exported for the tests, which check that rendered
 * files take this path.
 */
export function readSubset(text: string): [unknown] | undefined {
  const read = readDocument(text);
  return read && [read.value];
}

/** {@link readSubset}'s document and whether its keys are sorted (Reader.sorted). */
function readDocument(text: string): { readonly value: unknown; readonly sorted: boolean } | undefined {
  if (OUTSIDE.test(text)) return undefined;
  try {
    const reader = new Reader(text);
    const value = reader.document();
    return { value, sorted: reader.sorted };
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/** A plain scalar's value as js-yaml's loader types it (null, bool, int, float, else the string). */
const plainValue = (s: string): unknown => CORE_SCHEMA.resolveImplicitScalarTag(s).value;

/** A scalar on one line (after `key: ` or `- `): its value, or unsupported. */
function inlineScalar(s: string): unknown {
  if (PLAIN.test(s)) return plainValue(s);
  let m = SINGLE_QUOTED.exec(s);
  if (m) return m[1].replace(/''/g, "'");
  m = DOUBLE_QUOTED.exec(s);
  if (m) return m[1];
  if (s === '{}') return {};
  if (s === '[]') return [];
  return unsupported();
}

/** A key's text (before `:`) as the string js-yaml makes of it, or unsupported. */
function keyOf(s: string): string {
  let key: unknown;
  if (PLAIN_KEY.test(s)) key = plainValue(s);
  else {
    const m = SINGLE_QUOTED.exec(s) ?? DOUBLE_QUOTED.exec(s);
    key = m ? (s.startsWith("'") ? m[1].replace(/''/g, "'") : m[1]) : undefined;
  }
  return typeof key === 'string' && key !== '__proto__' ? key : unsupported();
}

/** Where the `:` of a `key: value` (or `key:`) line is: after a quoted key or a plain one; -1 when it is no pair. */
function colonOf(s: string): number {
  let end = 0;
  if (s.startsWith("'") || s.startsWith('"')) {
    const q = s[0];
    end = 1;
    for (;;) {
      const i = s.indexOf(q, end);
      if (i < 0) return -1;
      if (q === "'" && s[i + 1] === "'") end = i + 2;
      else {
        end = i + 1;
        break;
      }
    }
    return s[end] === ':' && (end + 1 === s.length || s[end + 1] === ' ') ? end : -1;
  }
  const i = s.indexOf(': ');
  if (i >= 0) return i;
  return s.endsWith(':') ? s.length - 1 : -1;
}

class Reader {
  private readonly lines: string[];
  private i = 0;
  /** The indentation and content of the current line, after {@link skip}. */
  private indent = 0;
  private content = '';
  /**
   * Whether every mapping so far listed its keys in sorted order (UTF-16 code units, as `Array.prototype.sort` and
   * js-yaml's `sortKeys`), none of them an array index (objects list those first, whatever the text's order).
   */
  sorted = true;

  constructor(text: string) {
    this.lines = text.split('\n');
  }

  document(): unknown {
    this.skip();
    if (this.i >= this.lines.length || this.indent !== 0) unsupported();
    const root = this.collection(0, 0);
    this.skip();
    return this.i >= this.lines.length ? root : unsupported();
  }

  /** Moves to the next line holding content (blank and comment lines are skipped); sets indent and content. */
  private skip(): void {
    for (; this.i < this.lines.length; this.i++) {
      const line = this.lines[this.i];
      const content = trimSpaces(line);
      if (content === '' || content.startsWith('#')) continue;
      if (content.endsWith(' ')) unsupported(); // trailing spaces: a comment after a value, or a multi-line scalar
      this.indent = line.length - content.length;
      this.content = content;
      return;
    }
  }

  private get ended(): boolean {
    return this.i >= this.lines.length;
  }

  /** The block collection whose first line is the current one, at `indent`. */
  private collection(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) unsupported();
    return this.content === '-' || this.content.startsWith('- ') ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  /** After a line is read: the current line must not be deeper than `indent` (the end of a nested node). */
  private next(indent: number): void {
    this.i++;
    this.skip();
    if (!this.ended && this.indent > indent) unsupported();
  }

  /** The value after `key:` or `-` (`rest`, trimmed), whose line is at `indent` (the collection's). */
  private value(rest: string, indent: number, depth: number): unknown {
    if (rest === '') {
      this.i++;
      this.skip();
      if (this.ended || this.indent <= indent) return plainValue('');
      const inner = this.indent;
      const v = this.collection(inner, depth + 1);
      if (!this.ended && this.indent > indent) unsupported();
      return v;
    }
    if (rest === '|' || rest === '|-') return this.literal(rest === '|-', indent);
    const v = inlineScalar(rest);
    this.next(indent);
    return v;
  }

  /** A literal block (`|` clip, `|-` strip) whose header ends the current line; leaves the reader after it. */
  private literal(strip: boolean, indent: number): string {
    const body: string[] = [];
    let m = -1;
    let j = this.i + 1;
    for (; j < this.lines.length; j++) {
      const line = this.lines[j];
      if (line === '') {
        body.push('');
        continue;
      }
      const content = trimSpaces(line);
      const at = line.length - content.length;
      if (content === '') unsupported(); // a line of spaces: YAML's rules for it depend on its length
      if (m < 0) {
        if (at <= indent || body.length > 0) unsupported(); // empty block, or leading empty lines
        m = at;
      }
      if (at < m) break;
      body.push(line.slice(m));
    }
    if (m < 0) unsupported();
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    this.i = j;
    this.skip();
    if (!this.ended && this.indent > indent) unsupported();
    return strip ? body.join('\n') : `${body.join('\n')}\n`;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let previous: string | undefined;
    while (!this.ended && this.indent === indent) {
      const s = this.content;
      const colon = colonOf(s);
      if (colon < 0) unsupported();
      const key = keyOf(s.slice(0, colon));
      if (Object.prototype.hasOwnProperty.call(out, key)) unsupported(); // js-yaml throws its own error
      if (this.sorted && ((previous !== undefined && !(previous < key)) || INDEX_KEY.test(key))) this.sorted = false;
      previous = key;
      out[key] = this.value(trimSpaces(s.slice(colon + 1)), indent, depth);
    }
    if (!this.ended && this.indent > indent) unsupported();
    return out;
  }

  private sequence(indent: number, depth: number): unknown[] {
    const out: unknown[] = [];
    while (!this.ended && this.indent === indent && (this.content === '-' || this.content.startsWith('- '))) {
      const rest = trimSpaces(this.content.slice(1));
      if (rest !== '' && (rest === '-' || rest.startsWith('- ') || colonOf(rest) >= 0)) {
        // A compact nested collection: its first line starts where `rest` does.
        this.indent = indent + this.content.length - rest.length;
        this.content = rest;
        if (depth + 1 > MAX_DEPTH) unsupported();
        out.push(this.collection(this.indent, depth + 1));
        if (!this.ended && this.indent > indent) unsupported();
      } else out.push(this.value(rest, indent, depth));
    }
    if (!this.ended && this.indent > indent) unsupported();
    return out;
  }
}
