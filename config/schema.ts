/**
 * A small typed schema kit for cluster config files. Each schema both checks a parsed YAML value and gives its
 * TypeScript type (`Infer<typeof s>`), so the config's type and its validation can never drift apart.
 * Problems are collected, not thrown, so one run reports every mistake in a file, each with its key path,
 * the bad value and what is allowed.
 */

export interface Problem {
  /** Key path in the file, e.g. `addons.metrics-server.version`. */
  readonly path: string;
  readonly message: string;
}

/**
 * A JSON Schema (draft 2020-12) fragment equivalent to a schema's check, for editors and generated docs
 * (src/docs/). Only the keywords the builders below emit: type, description (the `describe` text), enum, pattern,
 * maxLength, minimum, maximum, items, minItems, uniqueItems, properties, required, additionalProperties,
 * propertyNames, default.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Schema<T> {
  /** Human description of what is allowed, used in messages. */
  readonly describe: string;
  /** The same rules as JSON Schema, for editors and docs; absent on hand-written schemas (then anything is allowed). */
  readonly json?: JsonSchema;
  /** Value used when the key is absent; `undefined` means the key is required (unless wrapped in `optional`). */
  readonly fallback?: () => T;
  check(value: unknown, path: string, problems: Problem[]): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/**
 * Characters a reviewer cannot see but the tool would write: C0/C1 controls (NUL, ESC; tab and newlines are fine),
 * bidirectional overrides and isolates (which reorder text on screen), zero-width characters and the BOM.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** `text` with INVISIBLE characters written as `\uXXXX`, so a message shows what the file holds. */
export function visible(text: string): string {
  return text.replace(new RegExp(INVISIBLE.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Renders a value for a message: short, one line, JSON-like, invisible characters escaped. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = visible(JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value}`;
}

function bad<T>(problems: Problem[], path: string, value: unknown, allowed: string): T {
  problems.push({ path, message: `got ${show(value)}${value === undefined ? '' : ` (${typeOf(value)})`}; allowed: ${allowed}` });
  return undefined as T;
}

/** A plain map (a parsed YAML mapping), not a list, null or scalar. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A schema's JSON Schema; a hand-written schema without one allows anything, described by its `describe`. */
function jsonOf(schema: Schema<unknown>): JsonSchema {
  return schema.json ?? { description: schema.describe };
}

/** A RegExp as a JSON Schema `pattern` (which has no flags: a case-insensitive one is left out, so editors allow more). */
function patternOf(re: RegExp): { pattern?: string } {
  return re.flags.includes('i') ? {} : { pattern: re.source };
}

export interface StringOptions<T extends string> {
  readonly pattern?: RegExp;
  /** Words for the pattern in messages, e.g. "a 12-digit AWS account id". */
  readonly patternText?: string;
  readonly oneOf?: readonly T[];
  readonly maxLength?: number;
  readonly default?: T;
}

export function str<T extends string = string>(opts: StringOptions<T> = {}): Schema<T> {
  const describe = opts.oneOf
    ? `one of ${opts.oneOf.map((o) => JSON.stringify(o)).join(', ')}`
    : (opts.patternText ?? (opts.pattern ? `a string matching ${opts.pattern}` : 'a string')) +
      (opts.maxLength ? ` of at most ${opts.maxLength} characters` : '');
  return {
    describe,
    json: {
      type: 'string',
      description: describe,
      ...(opts.oneOf ? { enum: [...opts.oneOf] } : {}),
      ...(opts.pattern ? patternOf(opts.pattern) : {}),
      ...(opts.maxLength ? { maxLength: opts.maxLength } : {}),
      ...(opts.default !== undefined ? { default: opts.default } : {}),
    },
    fallback: opts.default === undefined ? undefined : () => opts.default as T,
    check(value, path, problems) {
      // YAML reads unquoted 3.13, 1.30, 0123 or yes as numbers/booleans; say how to keep the text as written.
      if (typeof value === 'number' || typeof value === 'boolean') {
        const quote = /quoted/.test(describe) ? '' : ', written in quotes';
        return bad(problems, path, value, `${describe}${quote} (YAML reads an unquoted ${show(value)} as a ${typeof value})`);
      }
      if (typeof value !== 'string') return bad(problems, path, value, describe);
      if (opts.oneOf && !opts.oneOf.includes(value as T)) return bad(problems, path, value, describe);
      if (opts.pattern && !opts.pattern.test(value)) return bad(problems, path, value, describe);
      if (opts.maxLength && value.length > opts.maxLength) return bad(problems, path, value, describe);
      return value as T;
    },
  };
}

export function int(opts: { min?: number; max?: number; default?: number } = {}): Schema<number> {
  const range = [opts.min !== undefined ? `>= ${opts.min}` : '', opts.max !== undefined ? `<= ${opts.max}` : '']
    .filter(Boolean)
    .join(' and ');
  const describe = `a whole number${range ? ` ${range}` : ''}`;
  return {
    describe,
    json: { type: 'integer', description: describe, ...(opts.min !== undefined ? { minimum: opts.min } : {}), ...(opts.max !== undefined ? { maximum: opts.max } : {}), ...(opts.default !== undefined ? { default: opts.default } : {}) },
    fallback: opts.default === undefined ? undefined : () => opts.default as number,
    check(value, path, problems) {
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return bad(problems, path, value, `${describe}, without quotes`);
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad(problems, path, value, describe);
      if (opts.min !== undefined && value < opts.min) return bad(problems, path, value, describe);
      if (opts.max !== undefined && value > opts.max) return bad(problems, path, value, describe);
      return value;
    },
  };
}

export function bool(opts: { default?: boolean } = {}): Schema<boolean> {
  return {
    describe: 'true or false',
    json: { type: 'boolean', description: 'true or false', ...(opts.default !== undefined ? { default: opts.default } : {}) },
    fallback: opts.default === undefined ? undefined : () => opts.default as boolean,
    check(value, path, problems) {
      return typeof value === 'boolean' ? value : bad(problems, path, value, 'true or false');
    },
  };
}

export function list<T>(item: Schema<T>, opts: { minItems?: number; unique?: boolean; default?: T[] } = {}): Schema<T[]> {
  const describe = `a list${opts.minItems ? ` of at least ${opts.minItems}` : ''} of ${item.describe}${opts.unique ? ', without repeats' : ''}`;
  return {
    describe,
    json: {
      type: 'array',
      description: describe,
      items: jsonOf(item),
      ...(opts.minItems ? { minItems: opts.minItems } : {}),
      ...(opts.unique ? { uniqueItems: true } : {}),
      ...(opts.default !== undefined ? { default: opts.default } : {}),
    },
    fallback: opts.default === undefined ? undefined : () => [...(opts.default as T[])],
    check(value, path, problems) {
      if (!Array.isArray(value)) return bad(problems, path, value, describe);
      if (opts.minItems && value.length < opts.minItems) return bad(problems, path, value, describe);
      const out = value.map((v, i) => item.check(v, `${path}[${i}]`, problems));
      if (opts.unique) {
        const seen = new Set<string>();
        value.forEach((v, i) => {
          const key = JSON.stringify(v);
          if (seen.has(key)) problems.push({ path: `${path}[${i}]`, message: `got ${show(v)} a second time; allowed: each value once` });
          seen.add(key);
        });
      }
      return out;
    },
  };
}

/** A free-form map (e.g. Helm values): any keys, any values. */
export function freeMap(opts: { default?: Record<string, unknown> } = {}): Schema<Record<string, unknown>> {
  return {
    describe: 'a map',
    json: { type: 'object', description: 'a map', default: opts.default ?? {} },
    fallback: () => structuredClone(opts.default ?? {}),
    check(value, path, problems) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(problems, path, value, 'a map');
      return value as Record<string, unknown>;
    },
  };
}

/** A map whose keys match `keyPattern` and whose values all follow one schema. */
export function mapOf<T>(valueSchema: Schema<T>, opts: { keyPattern?: RegExp; keyText?: string; default?: Record<string, T> } = {}): Schema<Record<string, T>> {
  const describe = `a map of ${opts.keyText ?? 'names'} to ${valueSchema.describe}`;
  return {
    describe,
    json: {
      type: 'object',
      description: describe,
      ...(opts.keyPattern ? { propertyNames: patternOf(opts.keyPattern) } : {}),
      additionalProperties: jsonOf(valueSchema),
      default: opts.default ?? {},
    },
    fallback: () => structuredClone(opts.default ?? {}),
    check(value, path, problems) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(problems, path, value, describe);
      const out: Record<string, T> = {};
      for (const [k, v] of Object.entries(value)) {
        if (opts.keyPattern && !opts.keyPattern.test(k)) {
          problems.push({ path: `${path}.${k}`, message: `key ${show(k)} is not allowed; allowed: ${opts.keyText ?? String(opts.keyPattern)}` });
          continue;
        }
        out[k] = valueSchema.check(v, `${path}.${k}`, problems);
      }
      return out;
    },
  };
}

/** Marks a key as optional with no default: absent stays `undefined`. */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return {
    describe: schema.describe,
    json: schema.json,
    fallback: () => undefined,
    check: (value, path, problems) => schema.check(value, path, problems),
  };
}

type Shape = Record<string, Schema<unknown>>;
export type ObjectOf<S extends Shape> = { readonly [K in keyof S]: Infer<S[K]> };

/** Edit distance, for "did you mean" hints on misspelled keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

export function didYouMean(key: string, allowed: readonly string[]): string {
  const best = [...allowed].sort((x, y) => distance(key, x) - distance(key, y))[0];
  return best !== undefined && distance(key, best) <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : '';
}

/** A map with a fixed set of keys. Unknown keys are errors; absent keys take their schema's fallback or are reported missing. */
export function obj<S extends Shape>(shape: S, opts: { optional?: boolean } = {}): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  const describe = `a map with keys ${keys.join(', ')}`;
  const allFallbacks = keys.every((k) => shape[k].fallback);
  return {
    describe,
    json: {
      type: 'object',
      description: describe,
      properties: Object.fromEntries(keys.map((k) => [k, jsonOf(shape[k])])),
      ...(keys.some((k) => !shape[k].fallback) ? { required: keys.filter((k) => !shape[k].fallback) } : {}),
      additionalProperties: false,
    },
    fallback: opts.optional || allFallbacks ? () => fill(shape, {}, '', []) : undefined,
    check(value, path, problems) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(problems, path, value, describe);
      for (const k of Object.keys(value)) {
        // Own keys only: `constructor` or `__proto__` are "in" every object (the loader reports them separately).
        if (!Object.hasOwn(shape, k)) {
          problems.push({ path: join(path, k), message: `unknown key${didYouMean(k, keys)}; allowed: ${keys.join(', ')}` });
        }
      }
      return fill(shape, value as Record<string, unknown>, path, problems);
    },
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function fill<S extends Shape>(shape: S, value: Record<string, unknown>, path: string, problems: Problem[]): ObjectOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(shape)) {
    const v = value[k];
    if (v === undefined || v === null) {
      if (schema.fallback) out[k] = schema.fallback();
      else problems.push({ path: join(path, k), message: `missing; allowed: ${schema.describe}` });
    } else {
      out[k] = schema.check(v, join(path, k), problems);
    }
  }
  return out as ObjectOf<S>;
}
