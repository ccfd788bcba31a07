/**
 * Redaction for everything the diff prints: a PR comment is public to everyone who can read the pull request, so
 * Secret values and anything that looks like a credential become `<redacted>` before any text is produced.
 * Redaction works on pairs (base, head), so a reviewer still sees *that* a secret changed, never its value.
 *
 * Where credentials hide, and how each is found (structure first, then the shape of the value):
 * - Secret manifests at any depth (Helm `extraObjects`, documents inside strings): every `data`/`stringData`/
 *   `binaryData` value; the `template` `data`/`stringData` of secret-producing kinds (ExternalSecret,
 *   ClusterExternalSecret, SealedSecret, PushSecret);
 * - credential-like keys (`password`, `passphrase`, `bearer`, `connectionString`, a key ending in `pass`, `cookie`,
 *   `session`, `auth`…; a bare `key` unless its siblings show a reference: a toleration, a `secretKeyRef`, a tag);
 * - `{name, value}` lists (container env, Helm parameters): the value when the name is credential-like or the value
 *   looks random; any list: the item after a `--password` or `-p` flag;
 * - strings: YAML/JSON documents are parsed and walked; otherwise `key=value`/`key: value` pairs (properties, ini,
 *   connection strings `Password=…;`, query strings `?sig=…`, flags `--db-pass=…`, `--client-secret …`, `-p=…`),
 *   URL userinfo, PEM/PGP private key blocks, well-known
 *   token formats, and base64 that decodes to something credential-like are cut out of the string, so the rest of it
 *   stays readable. A document that cannot be walked safely (YAML anchors) is redacted whole.
 * Image tags, ARNs, hostnames and other plain configuration stay visible.
 */
import { dump, JSON_SCHEMA, loadAll } from 'js-yaml';

export const REDACTED = '<redacted>';
export const REDACTED_CHANGED = '<redacted (changed)>';

const SENSITIVE_KEY = /password|passwd|pwd|passphrase|secret|token|credential|dockerconfig|bearer|connectionstring|connstr|^dsn$|signature/i;
// `key` as part of a name is a credential only after a word that says so (`apiKey`, `privateKey`, `accessKey`), not
// in `topologyKey`, `KmsKey` (a CloudFormation logical id) or `missingkey`.
const SENSITIVE_KEY_WORD = /(api|access|secret|private|signing|encryption|master|license|licence|client|auth|session|shared|account|ssh|hmac|app|deploy|service|storage|subscription|primary|secondary|root|webhook|sas|crypt|ingest|tls|ssl)[-_.]?keys?$/i;
// Keys that hold a credential as a scalar (docker config `auths.<registry>.auth`, basic-auth strings) but, as a map,
// are a settings block (`auth: {enabled, existingSecret, password}`) whose own keys are judged one by one.
const SENSITIVE_LEAF_KEY = /^(auth|authorization|htpasswd)$/i;
// Keys that name or point to a secret rather than hold one (secretName, tokenPath, keyAlgorithm, topologyKey…).
const REFERENCE_KEY =
  /(Name|Names|Ref|Refs|Selector|Namespace|Path|File|Mode|Enabled|Algorithm|Size|Encoding|Policy|Type|Format|Prefix|Suffix|Interval|Id|Arn|Url|URL|Uri|Endpoint|Duration|Ttl|TTL|Role|Roles|Account|Resource|Group|Rule|Rules|Binding|Store|Operator|Controller|Webhook|Service|Parameter|Parameters|Sync|Manager|Provider|Reader|Writer|Class|Arns|Key[Ii]d|Version|Count|Limit|Period|Expiry|Expiration|Rotation|Length|Timeout|Seconds|Minutes|Hours|Days|Audience|Issuer|Volume|Volumes|Mount|Mounts|Template|Annotations|Labels|Init|Job|Jobs|Hook|Hooks|Resources|Image|Container|Containers|Sidecar|Pod|Affinity)$/;
/**
 * Words that make a key a credential when they end it, or are followed only by words that say "the value"
 * (`SMTP_PASS`, `db-pass`, `cookie`, `sessionId`, `basicAuth`, `apikeyValue`), not when another word follows
 * (`passthrough`, `sessionAffinity`, `authMode`): such a key holding a map is a settings block judged key by key.
 */
const WEAK_WORDS: ReadonlySet<string> = new Set(['pass', 'pw', 'cookie', 'cookies', 'session', 'sessionid', 'auth', 'apikey', 'cred', 'creds']);
const VALUE_WORDS: ReadonlySet<string> = new Set(['value', 'string', 'str', 'data', 'id', 'key', 'hash', 'text', 'b64', 'base64']);
/** Short command-line flags that take a password (`mysql -p=…`); long flags are judged by their name like keys. */
const PASSWORD_SHORT_FLAGS: ReadonlySet<string> = new Set(['p']);
const NOT_SENSITIVE: ReadonlySet<string> = new Set(['key', 'Key', 'topologyKey', 'imagePullSecrets', 'ignoreSecrets', 'automountServiceAccountToken', 'secrets', 'keys', 'httpTokens']);
/**
 * Keys that are references in maps with these siblings, credentials elsewhere: a bare `key` in a toleration,
 * `secretKeyRef`/`configMapKeyRef`, volume items, node affinity, CloudFormation tags or an ExternalSecret's
 * `remoteRef` (elsewhere judged by its value's shape); `secretKey` naming the key of an ExternalSecret's target.
 */
const REFERENCE_SIBLINGS: Readonly<Record<string, readonly string[]>> = {
  key: ['name', 'operator', 'effect', 'path', 'values', 'property', 'secretKey', 'version', 'conversionStrategy', 'decodingStrategy', 'metadataPolicy', 'value'],
  Key: ['Value', 'Values'],
  secretKey: ['remoteRef', 'sourceRef'],
};
// Query parameters and bare words that carry a credential in URLs and connection strings.
const CREDENTIAL_PARAM = /^(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|token|access_token|id_token|refresh_token|api[-_]?key|apikey|key|code|auth|pass|pw|secret|client_secret|sas)$/i;
// Cheap test before parsing a string as YAML: only a document that mentions a credential-like key can need it.
const MENTIONS_SENSITIVE_KEY = /pass|pwd|pw\b|secret|token|cred|key|dockerconfig|auth|bearer|connection|cookie|session/i;
// A YAML anchor, whose aliases the walk would expand: a "billion laughs" string in a pull request would hang CI.
const YAML_ANCHOR = /(^|[\s:,[{-])&[^\s,[\]{}]+/m;

/**
 * Credentials by their format, whatever their key: AWS access key ids and secret keys, GitHub (`ghp_…`,
 * `github_pat_…`), GitLab (`glpat-…`), Stripe (`sk_live_…`), Vault (`hvs.…`), Slack (`xoxb-…`, webhook URLs),
 * npm, Google API keys, JWTs. Each match is replaced, the rest of the string kept.
 */
const TOKEN_FORMATS: readonly RegExp[] = [
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{16,}/g,
  /\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}/g,
  /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bnpm_[A-Za-z0-9]{30,}/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /https:\/\/hooks\.slack\.com\/services\/\S+/g,
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi,
  // An AWS secret access key: 40 characters of base64 with upper and lower case and a digit (lookaheads below).
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
];
/** PEM (`-----BEGIN RSA PRIVATE KEY-----`) and PGP (`-----BEGIN PGP PRIVATE KEY BLOCK-----`) private keys, to their end. */
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g;
/** `scheme://user:password@host`: the password goes, the user stays. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):([^/\s@]+)@/gi;
/** `?sig=…`, `&token=…` in URLs. */
const QUERY_PARAM = /([?&;])([A-Za-z0-9_.-]+)=([^&#;\s"']*)/g;
/**
 * `key=value` and `key: value` inside a string (properties, ini, connection strings, command-line flags, one-line
 * YAML): the key may be quoted or start with dashes; the value runs to the end of the line or to `;`/`&`.
 */
const INLINE_PAIR = /(^|[\s;,&?{("'[])(-{0,2})("?)([A-Za-z_][\w.-]*)\3(\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s;&"'][^;&\n]*)/gm;
/** `--client-secret value` inside one string (a command line): the flag, spaces, then a word that is not a flag. */
const FLAG_SPACE_VALUE = /(^|\s)(--?)([A-Za-z][\w.-]*)(\s+)(?!-)([^\s"']+|"[^"\n]*"|'[^'\n]*')/g;

/** The words of a camelCase key, lower-cased: `SMTPPass` → `smtp`, `pass`. */
function keyWords(key: string): string[] {
  return key.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/).map((w) => w.toLowerCase());
}

/**
 * How a key holds a credential by its name: `all` (everything under it, `password`, `apiToken`), `leaf` (a scalar
 * under it; a map under it is a settings block judged key by key: `auth`, `basicAuth`, `cookie`), or `none` (not a
 * credential, or a reference to one: `secretName`, `tokenPath`, `sessionAffinity`).
 */
/**
 * scrubString and keyClass are pure and see the same strings again and again (every cluster renders the same keys
 * and most of the same values): their results are kept, up to MEMO_LIMIT entries each (then forgotten at once).
 * This cut the redaction of a 100-cluster diff in which every Application changed by about a third.
 */
const MEMO_LIMIT = 100_000;
/** Longer strings (embedded documents, certificates) are rare, seldom repeated, and would hold memory. */
const MEMO_MAX_LENGTH = 512;
const scrubbed = new Map<string, string>();
const keyClasses = new Map<string, 'all' | 'leaf' | 'none'>();

function keyClass(key: string): 'all' | 'leaf' | 'none' {
  let c = keyClasses.get(key);
  if (c === undefined) {
    if (keyClasses.size >= MEMO_LIMIT) keyClasses.clear();
    keyClasses.set(key, (c = keyClassUncached(key)));
  }
  return c;
}

function keyClassUncached(key: string): 'all' | 'leaf' | 'none' {
  // `DB_SECRET_NAME`, `cloudflare-api-token`, `db.password`: judged as `dbSecretName`, `cloudflareApiToken`, `dbPassword`.
  // An annotation or label key (`secret.reloader.stakater.com/reload`) is judged by its name after the prefix.
  if (key.includes('/')) key = key.slice(key.lastIndexOf('/') + 1);
  if (/[A-Za-z0-9][_.-][A-Za-z0-9]/.test(key)) key = entryNameAsKey(key);
  // A CloudFormation logical id or property (PascalCase) naming secrets in the plural: `RoleArnsExternalSecrets`.
  if (NOT_SENSITIVE.has(key) || /^existing/i.test(key)) return 'none';
  // Before the reference suffixes: `sessionId` is the credential itself, `clientId` is not.
  const words = keyWords(key);
  let i = words.length - 1;
  while (i > 0 && VALUE_WORDS.has(words[i])) i--;
  const weak = WEAK_WORDS.has(words[i]);
  if (!weak && (REFERENCE_KEY.test(key) || /^[A-Z][A-Za-z0-9]*Secrets$/.test(key))) return 'none';
  if (SENSITIVE_LEAF_KEY.test(key)) return 'leaf';
  if (SENSITIVE_KEY.test(key) || SENSITIVE_KEY_WORD.test(key)) return 'all';
  return weak ? 'leaf' : 'none';
}

/** Whether a command-line flag (without its dashes) takes a credential: `--db-pass`, `--client-secret`, `-p`. */
function sensitiveFlag(dashes: string, name: string): boolean {
  return (dashes === '-' && PASSWORD_SHORT_FLAGS.has(name)) || isSensitiveKey(entryNameAsKey(name));
}

/** Whether a key holds a credential by its name (`password`, `apiToken`), not a reference to one (`secretName`). */
export function isSensitiveKey(key: string): boolean {
  return keyClass(key) !== 'none';
}

/**
 * Whether a string looks like a random secret: a run of 16 or more letters and digits mixing both (a password,
 * an API key, a hex or base64 token). Versions (`v1.2.3-eksbuild.1`), UUIDs, ARNs and hostnames have shorter runs.
 */
export function looksRandom(s: string): boolean {
  for (const m of s.matchAll(/[A-Za-z0-9+/_]{16,}/g)) {
    const run = m[0];
    if (/\d/.test(run) && /[A-Za-z]/.test(run) && new Set(run).size >= 10) return true;
  }
  return false;
}

/** A password on its own: one word of 6–128 printable characters mixing letters with digits or symbols. */
function passwordShaped(s: string): boolean {
  return /^[\x21-\x7e]{6,128}$/.test(s) && /[A-Za-z]/.test(s) && /[\d\W_]/.test(s);
}

/** The text a base64 string decodes to, when it is base64 of printable text (not of binary data). */
function base64Text(s: string): string | undefined {
  if (s.length < 8 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  const text = Buffer.from(s, 'base64').toString('utf8');
  return /^[\x20-\x7e\t\r\n]+$/.test(text) ? text : undefined;
}

/**
 * The string with every credential found by its shape cut out (see the module comment); the string itself when
 * there is none. Base64 of credential-like text is redacted whole.
 */
export function scrubString(s: string): string {
  if (s.length > MEMO_MAX_LENGTH) return scrubUncached(s);
  let out = scrubbed.get(s);
  if (out === undefined) {
    if (scrubbed.size >= MEMO_LIMIT) scrubbed.clear();
    scrubbed.set(s, (out = scrubUncached(s)));
  }
  return out;
}

function scrubUncached(s: string): string {
  const decoded = base64Text(s);
  if (decoded !== undefined && (passwordShaped(decoded) || scrubString(decoded) !== decoded)) return REDACTED;
  let out = s.replace(PRIVATE_KEY_BLOCK, REDACTED);
  for (const re of TOKEN_FORMATS) out = out.replace(re, REDACTED);
  out = out.replace(URL_USERINFO, `$1:${REDACTED}@`);
  out = out.replace(QUERY_PARAM, (all, sep: string, name: string, value: string) => (value && value !== REDACTED && (CREDENTIAL_PARAM.test(name) || isSensitiveKey(entryNameAsKey(name))) ? `${sep}${name}=${REDACTED}` : all));
  out = out.replace(INLINE_PAIR, (all, lead: string, dashes: string, q: string, key: string, sep: string, value: string) => {
    if (value === REDACTED || /^<redacted/.test(value) || /^\/\//.test(value)) return all;
    // A bare `key` in a string has no siblings to show it is a reference: what cannot be classified is redacted.
    const sensitive = key === 'key' || (dashes ? sensitiveFlag(dashes, key) : isSensitiveKey(entryNameAsKey(key)));
    return sensitive ? `${lead}${dashes}${q}${key}${q}${sep}${REDACTED}` : all;
  });
  out = out.replace(FLAG_SPACE_VALUE, (all, lead: string, dashes: string, name: string, sp: string, value: string) =>
    !/^<redacted/.test(value) && sensitiveFlag(dashes, name) ? `${lead}${dashes}${name}${sp}${REDACTED}` : all,
  );
  return out;
}

/** Whether a value is a credential by its shape alone (see scrubString). */
export function isSensitiveValue(value: unknown): boolean {
  return typeof value === 'string' && scrubString(value) !== value;
}

type Json = unknown;
const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: Json) => typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';

/** Whether what is under `key` (in `map`) is sensitive; a leaf-only key (`auth`) makes scalars sensitive, not maps or lists. */
function keySensitive(key: string, maps: ReadonlyArray<Record<string, Json> | undefined>): boolean {
  const values = maps.map((m) => (m !== undefined && Object.hasOwn(m, key) ? m[key] : undefined));
  // Own keys only: a key named `constructor` or `toString` is data, not Object.prototype's.
  const siblings = Object.hasOwn(REFERENCE_SIBLINGS, key) ? REFERENCE_SIBLINGS[key] : undefined;
  if (siblings) {
    const judged = (m: Record<string, Json> | undefined, v: Json) =>
      m !== undefined && Object.hasOwn(m, key) && !siblings.some((s) => Object.hasOwn(m, s)) && !isMap(v) && !Array.isArray(v);
    return maps.some((m, i) => judged(m, values[i]));
  }
  const c = keyClass(key);
  return c === 'all' || (c === 'leaf' && values.some((v) => v !== undefined && !isMap(v) && !Array.isArray(v)));
}

/**
 * The `name` of a `{name, value}` entry read as a key: `DB_PASSWORD` → `dbPassword`, `auth.password` →
 * `authPassword`, so `DB_SECRET_NAME` and `TOKEN_PATH` stay references the way `secretName` and `tokenPath` do.
 */
export function entryNameAsKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A `{name: DB_PASSWORD, value: …}` entry (container env, Helm parameters) whose `value` is a credential. */
function sensitiveEntry(m: Json): boolean {
  if (!isMap(m) || typeof m.name !== 'string' || !('value' in m)) return false;
  return isSensitiveKey(entryNameAsKey(m.name)) || (typeof m.value === 'string' && looksRandom(m.value));
}

/** Secret manifests, at any depth: their `data`/`stringData`/`binaryData` values are redacted whatever their keys. */
function secretKind(obj: Json): boolean {
  return isMap(obj) && obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
}
const SECRET_DATA: ReadonlySet<string> = new Set(['data', 'stringData', 'binaryData']);
/**
 * Kinds that produce a Secret from a `template` (External Secrets `spec.target.template`, `ClusterExternalSecret`
 * `spec.externalSecretSpec.target.template`, Bitnami `SealedSecret` `spec.template`): the template's `data` and
 * `stringData` are plaintext Secret content, redacted like a Secret's.
 */
const SECRET_PRODUCERS: ReadonlySet<string> = new Set(['ExternalSecret', 'ClusterExternalSecret', 'SealedSecret', 'PushSecret']);
const producerKind = (obj: Json) => isMap(obj) && typeof obj.kind === 'string' && SECRET_PRODUCERS.has(obj.kind);
/** Whether key `k` of the map under `key` is a Secret template's data (inside a secret-producing object). */
const templateData = (producer: boolean, key: string, k: string) => producer && key === 'template' && SECRET_DATA.has(k);

interface Embedded {
  /** The map (or list holding maps) the string parses to; `{}` when anchored. */
  readonly parsed: Json;
  /**
   * Not walked, redacted whole instead: it has YAML anchors (aliases would make the walk expand shared nodes), or it
   * is a Secret manifest that does not parse.
   */
  readonly anchored: boolean;
  /** The string again, from the redacted document, in the string's own syntax (JSON or YAML, one or more documents). */
  readonly serialize: (redacted: Json) => string;
}

/** A document the walk cannot look into safely: redacted whole. */
const WHOLE: Embedded = { parsed: {}, anchored: true, serialize: () => REDACTED };

/** A string that is one or more YAML or JSON documents with credential-like content (Helm `values`, argocd-cm `oidc.config`, `extraObjects` templates). */
function embedded(v: Json): Embedded | undefined {
  // One-line strings are prose or plain values (`info: "Operator: Secrets from SSM"`), not documents.
  if (typeof v !== 'string' || !v.includes(':') || !/\n|^\s*[{[]/.test(v)) return undefined;
  if (!MENTIONS_SENSITIVE_KEY.test(v) && !isSensitiveValue(v)) return undefined;
  let docs: Json[];
  try {
    // JSON_SCHEMA: no timestamps or other non-JSON types, which the walk would not copy.
    docs = loadAll(v, null, { schema: JSON_SCHEMA }).filter((d) => d !== null && d !== undefined);
  } catch {
    // A Secret manifest that does not parse (a Helm template) cannot be walked: what cannot be classified is redacted.
    return /\bkind:\s*["']?Secret\b/.test(v) ? WHOLE : undefined;
  }
  const structured = (d: Json) => isMap(d) || (Array.isArray(d) && d.some((x) => isMap(x) || Array.isArray(x)));
  if (docs.length === 0 || !docs.every(structured)) return undefined;
  if (YAML_ANCHOR.test(v)) return WHOLE;
  const yaml = (d: Json) => dump(d, { lineWidth: -1, noRefs: true });
  if (docs.length > 1) return { parsed: docs, anchored: false, serialize: (r) => (r as Json[]).map(yaml).join('---\n') };
  const json = /^\s*[{[]/.test(v);
  const end = v.endsWith('\n') ? '\n' : '';
  return {
    parsed: docs[0],
    anchored: false,
    serialize: (r) => (json ? `${JSON.stringify(r, null, v.includes('\n') ? 2 : undefined)}${end}` : yaml(r)),
  };
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
    return typeof v === 'string' ? scrubString(v) : v;
  };
  return changed(a, b, out(a, ea, pa), out(b, eb, pb));
}

/** Marks the head's redactions as changed when the two sides differ but redact to the same text. */
function changed(a: Json, b: Json, ra: Json, rb: Json): [Json, Json] {
  if (typeof rb === 'string' && rb !== b && JSON.stringify(a) !== JSON.stringify(b) && ra === rb) return [ra, rb.split(REDACTED).join(REDACTED_CHANGED)];
  return [ra, rb];
}

/** Sensitivity of each key of a map (pair): by its name, Secret data, or a credential `{name, value}` entry. */
function childSensitive(k: string, sensitive: boolean, maps: ReadonlyArray<Record<string, Json> | undefined>): boolean {
  return (
    sensitive ||
    keySensitive(k, maps) ||
    (SECRET_DATA.has(k) && maps.some((m) => m !== undefined && secretKind(m))) ||
    (k === 'value' && maps.some((m) => m !== undefined && sensitiveEntry(m)))
  );
}

/**
 * In any list (container `args`, Helm `extraArgs`, a `command`, a list under any other name), which items are
 * credentials: the value after a `--password` or `-p` flag given as its own item.
 */
function flagValues(list: readonly Json[]): boolean[] {
  return list.map((x, i) => {
    const flag = i > 0 && typeof list[i - 1] === 'string' ? /^(--?)([A-Za-z][\w.-]*)$/.exec(list[i - 1] as string) : null;
    return flag !== null && sensitiveFlag(flag[1], flag[2]) && isScalar(x) && !String(x).startsWith('-');
  });
}

/**
 * `original` itself when its redacted `copy` holds the same things (a plain object or array with the same own keys,
 * in the same order, each with the identical value), else the copy. Nothing was redacted in it then, and sharing it
 * lets the diff print it from the text it was read from (engine.ts) and spares the garbage collector the copies.
 */
function kept<T extends Json>(original: T, copy: T): T {
  if (Array.isArray(original)) {
    const c = copy as Json[];
    if (c.length !== original.length || Object.getPrototypeOf(original) !== Array.prototype) return copy;
    for (let i = 0; i < c.length; i++) if (c[i] !== original[i]) return copy;
    return original;
  }
  const o = original as Record<string, Json>;
  const c = copy as Record<string, Json>;
  if (Object.getPrototypeOf(o) !== Object.prototype) return copy;
  const ko = Object.keys(o);
  const kc = Object.keys(c);
  if (ko.length !== kc.length) return copy;
  for (let i = 0; i < ko.length; i++) if (ko[i] !== kc[i] || o[ko[i]] !== c[kc[i]]) return copy;
  return original;
}

/** `key` is the key `a` and `b` are under; `producer` says they are inside a secret-producing object. */
function walkPair(a: Json, b: Json, sensitive: boolean, key = '', producer = false): [Json, Json] {
  if (isMap(a) || isMap(b)) {
    if (isMap(a) && isMap(b)) {
      // An env entry renamed to or from a credential name: each side is judged by its own name.
      if (sensitiveEntry(a) !== sensitiveEntry(b) || secretKind(a) !== secretKind(b) || producerKind(a) !== producerKind(b)) {
        return [walkOne(a, sensitive, key, producer), walkOne(b, sensitive, key, producer)];
      }
      const p = producer || producerKind(a);
      const ra: [string, Json][] = [];
      const rb: [string, Json][] = [];
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const s = childSensitive(k, sensitive, [a, b]) || templateData(p, key, k);
        const [inA, inB] = [Object.hasOwn(a, k), Object.hasOwn(b, k)];
        if (inA && inB) {
          const [x, y] = walkPair(a[k], b[k], s, k, p);
          ra.push([k, x]);
          rb.push([k, y]);
        } else if (inA) ra.push([k, walkOne(a[k], s, k, p)]);
        else rb.push([k, walkOne(b[k], s, k, p)]);
      }
      // fromEntries defines own properties: a `__proto__` key stays a key (an assignment would set the prototype).
      return [kept(a, Object.fromEntries(ra)), kept(b, Object.fromEntries(rb))];
    }
    return [walkOne(a, sensitive, key, producer), walkOne(b, sensitive, key, producer)];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const [fa, fb] = [flagValues(a), flagValues(b)];
    const n = Math.max(a.length, b.length);
    const ra: Json[] = [];
    const rb: Json[] = [];
    for (let i = 0; i < n; i++) {
      if (i < a.length && i < b.length && !!fa[i] === !!fb[i]) {
        const [x, y] = walkPair(a[i], b[i], sensitive || !!fa[i], '', producer);
        ra.push(x);
        rb.push(y);
      } else {
        if (i < a.length) ra.push(walkOne(a[i], sensitive || !!fa[i], '', producer));
        if (i < b.length) rb.push(walkOne(b[i], sensitive || !!fb[i], '', producer));
      }
    }
    return [kept(a, ra), kept(b, rb)];
  }
  if (!sensitive) {
    const [ea, eb] = [embedded(a), embedded(b)];
    if (ea || eb) return walkEmbedded(a, b, ea, eb);
    const ra = typeof a === 'string' ? scrubString(a) : a;
    const rb = typeof b === 'string' ? scrubString(b) : b;
    return changed(a, b, ra, rb);
  }
  const ha = isScalar(a);
  const hb = isScalar(b);
  const same = JSON.stringify(a) === JSON.stringify(b);
  return [ha ? REDACTED : a, hb ? (same ? REDACTED : REDACTED_CHANGED) : b];
}

function walkOne(v: Json, sensitive: boolean, key = '', producer = false): Json {
  if (isMap(v)) {
    const p = producer || producerKind(v);
    return kept(v, Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walkOne(x, childSensitive(k, sensitive, [v]) || templateData(p, key, k), k, p)])));
  }
  if (Array.isArray(v)) {
    const flags = flagValues(v);
    return kept(v, v.map((x, i) => walkOne(x, sensitive || !!flags[i], '', producer)));
  }
  if (sensitive) return isScalar(v) ? REDACTED : v;
  const e = embedded(v);
  if (e) return walkEmbedded(v, v, e, e)[0];
  return typeof v === 'string' ? scrubString(v) : v;
}

/**
 * Redacts a base/head pair of objects (either may be undefined). A sensitive value that differs between the two
 * shows as `<redacted>` → `<redacted (changed)>`.
 */
export function redactPair(base: Json, head: Json): [Json, Json] {
  if (base === undefined) return [undefined, redact(head)];
  if (head === undefined) return [redact(base), undefined];
  return walkPair(base, head, false);
}

/** Redacts one object. */
export function redact(value: Json): Json {
  return walkOne(value, false);
}

/**
 * Last line of defence for finished text (a whole report): credentials found by their format alone (tokens, private
 * key blocks, URL passwords and credential query parameters) are cut out, whatever produced the text.
 */
export function scrubText(text: string): string {
  let out = text.replace(PRIVATE_KEY_BLOCK, REDACTED);
  for (const re of TOKEN_FORMATS) out = out.replace(re, REDACTED);
  out = out.replace(URL_USERINFO, `$1:${REDACTED}@`);
  return out.replace(QUERY_PARAM, (all, sep: string, name: string, value: string) => (value && CREDENTIAL_PARAM.test(name) && !value.startsWith('<redacted') ? `${sep}${name}=${REDACTED}` : all));
}
