/**
 * Reading config YAML that may be hostile or careless: bounded size, nesting and alias expansion, and a walk over
 * every key and string that rejects what would crash, hang or leak later (prototype keys, credentials in URLs,
 * invisible or direction-changing characters). Everything is reported as problems with the key path; nothing throws.
 */
import { readFileSync, statSync } from 'node:fs';
import { load } from 'js-yaml';
import { INVISIBLE, isMap, show, type Problem } from './schema.ts';

/** Limits of one config file. The example cluster files are about 3 KB, 6 levels deep and use no aliases. */
export const YAML_LIMITS = {
  /** Bytes of one file. */
  maxBytes: 1_048_576,
  /** Nesting depth of maps and lists, also when reached through aliases. */
  maxDepth: 64,
  /** Alias nodes (`*name`) per document (js-yaml `maxAliases`). */
  maxAliases: 100,
  /** Values (maps, lists, scalars) after expanding aliases: an alias bomb stops here instead of hanging the tool. */
  maxNodes: 100_000,
} as const;

/**
 * Keys that reach JavaScript's object machinery: `__proto__` sets an object's prototype on assignment (the key is
 * silently lost in a merge), `constructor.prototype` trips cdk8s' serializer. No Kubernetes or Helm key has them.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);


/**
 * `scheme://user[:password]@host`: the part before `@` is a credential (a token is often the user). Only `ssh://`
 * and `git+ssh://` may name a user, and never a password (`ssh://git@github.com/…` is the usual form).
 */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*):\/\/([^\s/?#@]*)@/i;

/**
 * A credential in a URL's query or fragment (`?access_token=…`, `#token=…`, a presigned `X-Amz-Signature`, a SAS
 * `sig`): the parameter names that carry secrets in Git hosts', AWS's and Azure's URLs.
 */
const URL_QUERY_CREDENTIAL =
  /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*):\/\/[^\s?#]*[?#](?:[^\s#]*[&#;])?((?:access_?|private_?|auth_?|id_?|refresh_?)?token|api_?key|key|secret|password|passwd|pwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|code|credential|auth)=/i;

export interface ParsedYaml {
  /** The parsed document; `undefined` when the file could not be read safely (the problems say why). */
  readonly value: unknown;
  readonly problems: Problem[];
}

/** Parses one YAML file within YAML_LIMITS and inspects it. Problems use `(file)` or the key path. */
export function readConfigYaml(path: string, display: string): ParsedYaml {
  const size = statSync(path).size;
  if (size > YAML_LIMITS.maxBytes) {
    return { value: undefined, problems: [{ path: '(file)', message: `got ${size} bytes; allowed: at most ${YAML_LIMITS.maxBytes} bytes` }] };
  }
  return parseConfigYaml(readFileSync(path, 'utf8'), display);
}

/** As readConfigYaml, for text already in memory (`display` names it in js-yaml's messages). */
export function parseConfigYaml(text: string, display: string): ParsedYaml {
  // Only comments and blank lines: an empty document (null), as YAML defines it; js-yaml 5 rejects empty input.
  if (text.replace(/^\s*#.*$/gm, '').trim() === '') return { value: null, problems: [] };
  let value: unknown;
  try {
    value = load(text, { filename: display, maxDepth: YAML_LIMITS.maxDepth, maxAliases: YAML_LIMITS.maxAliases });
  } catch (err) {
    // js-yaml documents that any error may come out of load (not only YAMLException): all are the file's fault.
    const e = err as { reason?: string; message?: string; mark?: { line: number; column: number } };
    const at = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    const reason = err instanceof RangeError ? `nested too deeply (${err.message})` : (e.reason ?? e.message ?? String(err));
    return { value: undefined, problems: [{ path: '(file)', message: `malformed YAML${at}: ${reason}; allowed: YAML within ${YAML_LIMITS.maxDepth} levels and ${YAML_LIMITS.maxAliases} aliases` }] };
  }
  const { problems, bounded } = inspectTree(value);
  // Past a limit the value must not reach the schema checks: printing or cloning it is what would hang.
  return { value: bounded ? detachStrings(value) : undefined, problems };
}

/**
 * V8 keeps a string of 13 or more characters cut from a longer one (js-yaml's scalars, cut from the file text) as
 * a slice that holds the whole text alive: a loaded config would keep every file's text, comments included, as long
 * as any value of it lives (synth holds a fleet's clusters until each is rendered). This replaces each such string
 * in place (also through aliases) with a copy of its own characters. Only for a value inspectTree bounded.
 */
export function detachStrings<T>(root: T): T {
  const seen = new Set<object>();
  // The concatenation is flattened into a new string of length + 1, and the slice keeps only that one alive.
  const own = (v: unknown) => (typeof v === 'string' && v.length >= 13 ? (' ' + v).slice(1) : v);
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const node = v as Record<string, unknown>;
    for (const key of Array.isArray(v) ? v.keys() : Object.keys(node)) {
      node[key] = own(node[key]);
      walk(node[key]);
    }
  };
  walk(root);
  return own(root) as T;
}

/**
 * Walks a parsed document once, following aliases, and reports: more than YAML_LIMITS.maxNodes values or
 * YAML_LIMITS.maxDepth levels (the walk stops there), FORBIDDEN_KEYS, invisible characters in keys and strings,
 * and credentials in URLs anywhere (also inside Helm `values`, which reach the committed dist/).
 */
export function inspectTree(root: unknown): { readonly problems: Problem[]; /** false when a limit stopped the walk */ readonly bounded: boolean } {
  const problems: Problem[] = [];
  let nodes = 0;
  const text = (s: string, path: string, what: string) => {
    const hidden = INVISIBLE.exec(s);
    if (hidden) {
      const code = `U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      problems.push({ path, message: `${what} holds the invisible character ${code} at position ${hidden.index}; allowed: visible text (tab and newline are fine), since reviewers would not see what the tool writes` });
    }
    const url = URL_USERINFO.exec(s);
    if (url && (!/^(git\+)?ssh$/i.test(url[1]) || url[2].includes(':'))) {
      problems.push({ path, message: `${what} holds a URL with credentials (${url[1]}://***@…); allowed: a URL without user or password (give the credential to Argo CD or the controller as a Secret, never in config that is committed)` });
    }
    const query = URL_QUERY_CREDENTIAL.exec(s);
    if (query) {
      problems.push({ path, message: `${what} holds a URL with a credential in its query or fragment (${query[1]}://…${query[2]}=***); allowed: a URL without credentials (give the credential to Argo CD or the controller as a Secret, never in config that is committed)` });
    }
  };
  const walk = (v: unknown, path: string, depth: number): boolean => {
    if (++nodes > YAML_LIMITS.maxNodes) {
      problems.push({ path: path || '(file)', message: `expands to more than ${YAML_LIMITS.maxNodes} values through aliases (*name); allowed: a config without alias bombs` });
      return false;
    }
    if (depth > YAML_LIMITS.maxDepth) {
      problems.push({ path: path || '(file)', message: `nested more than ${YAML_LIMITS.maxDepth} levels (also through aliases); allowed: at most ${YAML_LIMITS.maxDepth}` });
      return false;
    }
    if (typeof v === 'string') text(v, path, 'the value');
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!walk(v[i], `${path}[${i}]`, depth + 1)) return false;
    } else if (isMap(v)) {
      for (const key of Object.keys(v)) {
        const at = path ? `${path}.${key}` : key;
        if (FORBIDDEN_KEYS.has(key)) problems.push({ path: at, message: `the key ${show(key)} is not allowed; allowed: any key but __proto__, constructor and prototype (they change JavaScript objects instead of holding data)` });
        text(key, at, 'the key');
        if (!walk(v[key], at, depth + 1)) return false;
      }
    }
    return true;
  };
  const bounded = walk(root, '', 0);
  return { problems, bounded };
}
