/** What every check reports, how ajv's errors become readable problems, and the one-line output format. */
import type { ErrorObject } from 'ajv';
import { didYouMean, show } from '../../config/schema.ts';

export type Check = 'file' | 'schema' | 'helm' | 'project' | 'baseline' | 'duplicate';

export interface ValidationProblem {
  /** File path as given to the validator (relative to the working directory when possible). */
  readonly file: string;
  /** `Kind/namespace/name`, or `Kind/name` when cluster-scoped; `(file)` when the file could not be read. */
  readonly object: string;
  /** Dotted JSON path into the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly message: string;
  readonly check: Check;
  /**
   * The config key that produced the problem, when the mapping is known (an add-on's `version`, or a key under its
   * `values`): the file and key lead the message, the rendered file stays as the second pointer. @default none
   */
  readonly config?: { readonly file: string; readonly key: string };
}

export function objectRef(m: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }): string {
  const kind = typeof m.kind === 'string' ? m.kind : '(no kind)';
  const name = typeof m.metadata?.name === 'string' ? m.metadata.name : '(no name)';
  return typeof m.metadata?.namespace === 'string' ? `${kind}/${m.metadata.namespace}/${name}` : `${kind}/${name}`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `spec.containers[0]["app.kubernetes.io/name"]` from path segments. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else if (IDENT.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '(root)';
}

export function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : typeof value;
}

function listed(items: readonly unknown[], max = 12): string {
  const shown = items.slice(0, max).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  return items.length > max ? `${shown.join(', ')}, … (${items.length} in all)` : shown.join(', ');
}

/** The value at a JSON pointer inside `root`. */
export function valueAt(root: unknown, pointer: string): unknown {
  let v = root;
  for (const seg of pointerSegments(pointer)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/**
 * Readable problems from ajv errors, with the path prefixed by `base` segments. `instance` is what was validated
 * (for the bad values); the fields allowed where an unknown one was found come from `allowed` (by instancePath),
 * else from the error's parentSchema (verbose mode).
 */
export function fromAjv(
  errors: readonly ErrorObject[] | null | undefined,
  base: ReadonlyArray<string | number>,
  instance: unknown,
  allowed: ReadonlyMap<string, readonly string[]> = new Map(),
): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const all = errors ?? [];
  // A failed anyOf/oneOf also reports each branch; keep the branches' own messages only when nothing else is there.
  const specific = all.filter((e) => !['anyOf', 'oneOf', 'if', 'not'].includes(e.keyword));
  for (const e of all) {
    const at = [...base, ...pointerSegments(e.instancePath)];
    const data = valueAt(instance, e.instancePath);
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const keys = allowed.get(e.instancePath) ?? Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
        out.push({
          path: formatPath([...at, key]),
          message: `unknown field${didYouMean(key, keys)}; allowed: ${keys.length ? listed(keys) : 'no fields here'}`,
        });
        break;
      }
      case 'required':
        out.push({ path: formatPath([...at, (e.params as { missingProperty: string }).missingProperty]), message: 'missing required field' });
        break;
      case 'type': {
        const t = (e.params as { type: string | string[] }).type;
        out.push({ path: formatPath(at), message: `got ${show(data)} (${typeName(data)}); allowed: ${Array.isArray(t) ? t.join(' or ') : t}` });
        break;
      }
      case 'enum':
        out.push({ path: formatPath(at), message: `got ${show(data)}; allowed: ${listed((e.params as { allowedValues: unknown[] }).allowedValues)}` });
        break;
      case 'anyOf':
      case 'oneOf':
      case 'if':
      case 'not':
        if (!specific.some((s) => s.instancePath.startsWith(e.instancePath))) out.push({ path: formatPath(at), message: `got ${show(data)}; allowed: a value that ${e.message}` });
        break;
      default:
        out.push({ path: formatPath(at), message: `got ${show(data)}; allowed: a value that ${e.message}` });
    }
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `file: Kind/namespace/name: path: message`, one problem per line; with a known config key
 * `config-file: key: message (in file: Kind/namespace/name: path)`.
 */
export function formatProblem(p: ValidationProblem): string {
  if (p.config) return `${p.config.file}: ${p.config.key}: ${p.message} (in ${p.file}: ${p.object}: ${p.path})`;
  return `${p.file}: ${p.object}: ${p.path}: ${p.message}`;
}
