/**
 * Redaction for everything the diff prints: a PR comment is public to everyone who can read the pull request, so
 * Secret values and anything that looks like a credential become `<redacted>` before any text is produced.
 * Redaction works on pairs (base, head), so a reviewer still sees *that* a secret changed, never its value.
 */

export const REDACTED = '<redacted>';
export const REDACTED_CHANGED = '<redacted (changed)>';

const SENSITIVE_KEY = /password|passwd|secret|token|credential|key/i;
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
  return SENSITIVE_KEY.test(key);
}

export function isSensitiveValue(value: unknown): boolean {
  return typeof value === 'string' && SENSITIVE_VALUE.some((re) => re.test(value));
}

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: Json) => typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';

/** Secret `data`/`stringData` values are redacted whatever their keys. */
function secretKind(obj: Json): boolean {
  return isMap(obj) && obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
}

function walkPair(a: Json, b: Json, sensitive: boolean): [Json, Json] {
  if (isMap(a) || isMap(b)) {
    if (isMap(a) && isMap(b)) {
      const ra: Record<string, Json> = {};
      const rb: Record<string, Json> = {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const s = sensitive || isSensitiveKey(k);
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
  const ha = (sensitive && isScalar(a)) || isSensitiveValue(a);
  const hb = (sensitive && isScalar(b)) || isSensitiveValue(b);
  if (!ha && !hb) return [a, b];
  const same = JSON.stringify(a) === JSON.stringify(b);
  return [ha ? REDACTED : a, hb ? (same ? REDACTED : REDACTED_CHANGED) : b];
}

function walkOne(v: Json, sensitive: boolean): Json {
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walkOne(x, sensitive || isSensitiveKey(k))]));
  if (Array.isArray(v)) return v.map((x) => walkOne(x, sensitive));
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

/** Redacts one scalar found at `path` (e.g. a Helm values leaf for the summary). */
export function redactLeaf(path: readonly string[], value: Json): Json {
  const sensitive = path.some((k) => isSensitiveKey(k));
  return (sensitive && isScalar(value)) || isSensitiveValue(value) ? REDACTED : value;
}

function dropUndefined(o: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
