/**
 * Redaction for everything the diff prints: a PR comment is public to everyone who can read the pull request, so
 * Secret values and anything that looks like a credential become `<redacted>` before any text is produced.
 * Redaction works on pairs (base, head), so a reviewer still sees *that* a secret changed, never its value.
 * Credentials also hide in `{name, value}` lists (container env, Helm parameters) and in strings that are YAML or
 * JSON documents themselves (Helm `values`, argocd-cm `*.config`): both are looked into.
 */
import { dump, JSON_SCHEMA, load } from 'js-yaml';

export const REDACTED = '<redacted>';
export const REDACTED_CHANGED = '<redacted (changed)>';

const SENSITIVE_KEY = /password|passwd|pwd|secret|token|credential|key|dockerconfig/i;
// Keys that hold a credential as a scalar (docker config `auths.<registry>.auth`, basic-auth strings) but, as a map,
// are a settings block (`auth: {enabled, existingSecret, password}`) whose own keys are judged one by one.
const SENSITIVE_LEAF_KEY = /^(auth|authorization|htpasswd)$/i;
// Keys that name or point to a secret rather than hold one (secretName, tokenPath, keyAlgorithm, topologyKey…).
const REFERENCE_KEY =
  /(Name|Names|Ref|Refs|Selector|Namespace|Path|File|Mode|Enabled|Algorithm|Size|Encoding|Policy|Type|Format|Prefix|Suffix|Interval)$/;
const NOT_SENSITIVE: ReadonlySet<string> = new Set([
  'key',
  'topologyKey',
  'imagePullSecrets',
  'ignoreSecrets',
  'automountServiceAccountToken',
  'secrets',
  'keys',
]);
// Cheap test before parsing a string as YAML: only a document that mentions a credential-like key can need it.
const MENTIONS_SENSITIVE_KEY = /password|passwd|pwd|secret|token|credential|key|dockerconfig|auth/i;
// A YAML anchor, whose aliases the walk would expand: a "billion laughs" string in a pull request would hang CI.
const YAML_ANCHOR = /(^|[\s:,[{-])&[^\s,[\]{}]+/m;

/** Values that are credentials whatever their key: AWS access key ids, PEM private keys, GitHub/Slack tokens, JWTs. */
const SENSITIVE_VALUE = [
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./,
  /https:\/\/hooks\.slack\.com\/services\//,
  /:\/\/[^/\s:@]+:[^/\s@]+@/, // user:password@host in a URL
];

export function isSensitiveKey(key: string): boolean {
  if (NOT_SENSITIVE.has(key) || /^existing/i.test(key) || REFERENCE_KEY.test(key)) return false;
  return SENSITIVE_KEY.test(key) || SENSITIVE_LEAF_KEY.test(key);
}

export function isSensitiveValue(value: unknown): boolean {
  return typeof value === 'string' && SENSITIVE_VALUE.some((re) => re.test(value));
}

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: Json) => typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';

/** Whether what is under `key` is sensitive; a leaf-only key (`auth`) makes scalars sensitive, not maps or lists. */
function keySensitive(key: string, ...values: Json[]): boolean {
  if (!isSensitiveKey(key)) return false;
  return !SENSITIVE_LEAF_KEY.test(key) || values.some((v) => v !== undefined && !isMap(v) && !Array.isArray(v));
}

/**
 * The `name` of a `{name, value}` entry read as a key: `DB_PASSWORD` → `dbPassword`, `auth.password` →
 * `authPassword`, so `DB_SECRET_NAME` and `TOKEN_PATH` stay references the way `secretName` and `tokenPath` do.
 */
export function entryNameAsKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A `{name: DB_PASSWORD, value: …}` entry (container env, Helm parameters): its `value` is a credential. */
function sensitiveEntry(m: Json): boolean {
  return isMap(m) && typeof m.name === 'string' && 'value' in m && isSensitiveKey(entryNameAsKey(m.name));
}

interface Embedded {
  /** The map (or list holding maps) the string parses to; `{}` when anchored. */
  readonly parsed: Json;
  /** Has YAML anchors: not walked (aliases would make the walk expand shared nodes), redacted whole instead. */
  readonly anchored: boolean;
  /** The string again, from the redacted document, in the string's own syntax (JSON or YAML). */
  readonly serialize: (redacted: Json) => string;
}

/** A string that is a YAML or JSON document with credential-like keys (Helm `values`, argocd-cm `oidc.config`). */
function embedded(v: Json): Embedded | undefined {
  // One-line strings are prose or plain values (`info: "Operator: Secrets from SSM"`), not documents.
  if (typeof v !== 'string' || !v.includes(':') || !/\n|^\s*[{[]/.test(v)) return undefined;
  if (!MENTIONS_SENSITIVE_KEY.test(v) && !isSensitiveValue(v)) return undefined;
  let parsed: Json;
  try {
    // JSON_SCHEMA: no timestamps or other non-JSON types, which the walk would not copy.
    parsed = load(v, { schema: JSON_SCHEMA });
  } catch {
    return undefined;
  }
  if (!isMap(parsed) && !(Array.isArray(parsed) && parsed.some((x) => isMap(x) || Array.isArray(x)))) return undefined;
  if (YAML_ANCHOR.test(v)) return { parsed: {}, anchored: true, serialize: () => REDACTED };
  const json = /^\s*[{[]/.test(v);
  const end = v.endsWith('\n') ? '\n' : '';
  return {
    parsed,
    anchored: false,
    serialize: (r) => (json ? `${JSON.stringify(r, null, v.includes('\n') ? 2 : undefined)}${end}` : dump(r, { lineWidth: -1, noRefs: true })),
  };
}

/** Secret `data`/`stringData` values are redacted whatever their keys. */
function secretKind(obj: Json): boolean {
  return isMap(obj) && obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
}

/**
 * A leaf pair where one side at least is an embedded document: the documents are redacted like objects and written
 * back only when something in them was redacted, so clean strings keep their comments and layout.
 */
function walkEmbedded(a: Json, b: Json, ea: Embedded | undefined, eb: Embedded | undefined): [Json, Json] {
  const [pa, pb] = ea && eb ? walkPair(ea.parsed, eb.parsed, false) : [ea && walkOne(ea.parsed, false), eb && walkOne(eb.parsed, false)];
  const dirty = (ea !== undefined && JSON.stringify(pa) !== JSON.stringify(ea.parsed)) || (eb !== undefined && JSON.stringify(pb) !== JSON.stringify(eb.parsed));
  const out = (v: Json, e: Embedded | undefined, p: Json): Json => {
    if (e?.anchored) return REDACTED;
    if (e && dirty) return e.serialize(p);
    return isSensitiveValue(v) ? REDACTED : v;
  };
  const ra = out(a, ea, pa);
  const rb = out(b, eb, pb);
  return [ra, rb === REDACTED && a !== b ? REDACTED_CHANGED : rb];
}

function walkPair(a: Json, b: Json, sensitive: boolean): [Json, Json] {
  if (isMap(a) || isMap(b)) {
    if (isMap(a) && isMap(b)) {
      const entry = sensitiveEntry(a);
      // An env entry renamed to or from a credential name: each side is judged by its own name.
      if (entry !== sensitiveEntry(b)) return [walkOne(a, sensitive), walkOne(b, sensitive)];
      const ra: Record<string, Json> = {};
      const rb: Record<string, Json> = {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const s = sensitive || keySensitive(k, a[k], b[k]) || (entry && k === 'value');
        if (k in a && k in b) [ra[k], rb[k]] = walkPair(a[k], b[k], s);
        else if (k in a) ra[k] = walkOne(a[k], s);
        else rb[k] = walkOne(b[k], s);
      }
      return [ra, rb];
    }
    return [walkOne(a, sensitive), walkOne(b, sensitive)];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    const ra: Json[] = [];
    const rb: Json[] = [];
    for (let i = 0; i < n; i++) {
      if (i < a.length && i < b.length) {
        const [x, y] = walkPair(a[i], b[i], sensitive);
        ra.push(x);
        rb.push(y);
      } else if (i < a.length) ra.push(walkOne(a[i], sensitive));
      else rb.push(walkOne(b[i], sensitive));
    }
    return [ra, rb];
  }
  if (!sensitive) {
    const [ea, eb] = [embedded(a), embedded(b)];
    if (ea || eb) return walkEmbedded(a, b, ea, eb);
  }
  const ha = (sensitive && isScalar(a)) || isSensitiveValue(a);
  const hb = (sensitive && isScalar(b)) || isSensitiveValue(b);
  if (!ha && !hb) return [a, b];
  const same = JSON.stringify(a) === JSON.stringify(b);
  return [ha ? REDACTED : a, hb ? (same ? REDACTED : REDACTED_CHANGED) : b];
}

function walkOne(v: Json, sensitive: boolean): Json {
  if (isMap(v)) {
    const entry = sensitiveEntry(v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walkOne(x, sensitive || keySensitive(k, x) || (entry && k === 'value'))]));
  }
  if (Array.isArray(v)) return v.map((x) => walkOne(x, sensitive));
  if (!sensitive) {
    const e = embedded(v);
    if (e) return walkEmbedded(v, v, e, e)[0];
  }
  return (sensitive && isScalar(v)) || isSensitiveValue(v) ? REDACTED : v;
}

function splitSecret(obj: Record<string, Json>): [Record<string, Json>, Record<string, Json>] {
  const { data, stringData, binaryData, ...rest } = obj;
  return [rest, { data, stringData, binaryData }];
}

/**
 * Redacts a base/head pair of objects (either may be undefined). A sensitive value that differs between the two
 * shows as `<redacted>` → `<redacted (changed)>`.
 */
export function redactPair(base: Json, head: Json): [Json, Json] {
  if (base === undefined) return [undefined, redact(head)];
  if (head === undefined) return [redact(base), undefined];
  if ((secretKind(base) || secretKind(head)) && isMap(base) && isMap(head)) {
    const [restA, dataA] = splitSecret(base);
    const [restB, dataB] = splitSecret(head);
    const [ra, rb] = walkPair(restA, restB, false) as [Record<string, Json>, Record<string, Json>];
    const [da, db] = walkPair(dropUndefined(dataA), dropUndefined(dataB), true) as [Record<string, Json>, Record<string, Json>];
    return [{ ...ra, ...da }, { ...rb, ...db }];
  }
  return walkPair(base, head, false);
}

/** Redacts one object. */
export function redact(value: Json): Json {
  if (secretKind(value) && isMap(value)) {
    const [rest, data] = splitSecret(value);
    return { ...(walkOne(rest, false) as object), ...(walkOne(dropUndefined(data), true) as object) };
  }
  return walkOne(value, false);
}

function dropUndefined(o: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
