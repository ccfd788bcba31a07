/**
 * The semantic diff: compares two rendered trees (cluster → path → content) object by object, groups the changes
 * per cluster and per Argo CD Application, and extracts what a reviewer must not miss: chart version, image, wave,
 * project and destination changes, and warnings for prunes, CRD/Namespace deletions, the removal of an API group's
 * last controller while custom resources of it remain, and immutable-field changes.
 * Everything it returns is already redacted. Pure: no I/O.
 */
import { dump, load } from 'js-yaml';
import { indexFiles, isCloudFormationFile, isReviewFile, MANIFEST_FILE, README_FILE, type ManifestEntry } from '../review.ts';
import { SYNC_WAVE } from '../../config/labels.ts';
import { diffTemplates, isReplacement, type CfnResourceChange, type CfnTemplateDiff } from './cfn.ts';
import { CHART_API_GROUPS, RUNTIME_EFFECTS } from './controllers.ts';
import { redactPair } from './redact.ts';
import type { RenderedTree } from './tree.ts';
import { FLEET_DIR } from '../../config/labels.ts';
import { unifiedDiff } from './unified.ts';
import { INDEX_KEY, readYaml } from './yaml-load.ts';
import { dumpYaml } from '../yaml-emit.ts';

export type Change = 'added' | 'removed' | 'changed';

export type WarningKind =
  | 'prune'
  | 'application-removed'
  | 'crd-deleted'
  | 'controller-removed'
  | 'namespace-deleted'
  | 'replacement'
  | 'destination-changed'
  | 'cluster-removed'
  | 'cfn-replacement'
  | 'cfn-removal';

export interface Warning {
  readonly cluster: string;
  /** The Application (or group) the warning belongs to. */
  readonly group: string;
  readonly kind: WarningKind;
  readonly message: string;
}

export interface ResourceChange {
  /** Path relative to the cluster folder. */
  readonly path: string;
  /** `Kind namespace/name`, or the file path for non-Kubernetes files. */
  readonly label: string;
  readonly change: Change;
  /** Unified diff of the redacted objects (YAML, keys sorted). */
  readonly diff: string;
}

export interface FromTo {
  readonly what: string;
  /** Absent when added. */
  readonly from?: string;
  /** Absent when removed. */
  readonly to?: string;
}

export type GroupType = 'application' | 'root' | 'bootstrap' | 'aws' | 'other';

export interface GroupDiff {
  /** The Application's name, or a label for files no add-on Application owns. */
  readonly name: string;
  readonly type: GroupType;
  /** For an Application: whether the Application itself was added or removed. */
  readonly change: Change;
  readonly wave: number | null;
  /** Terraform-style resource counts. */
  readonly counts: { readonly add: number; readonly change: number; readonly destroy: number };
  readonly charts: readonly FromTo[];
  readonly images: readonly FromTo[];
  readonly waves: readonly FromTo[];
  readonly projects: readonly FromTo[];
  readonly destinations: readonly FromTo[];
  /** Helm values leaves that changed (redacted). */
  readonly values: readonly FromTo[];
  readonly resources: readonly ResourceChange[];
  /** CloudFormation templates (aws group only). */
  readonly templates: ReadonlyArray<{ readonly path: string; readonly diff: CfnTemplateDiff }>;
  readonly warnings: readonly Warning[];
}

export interface ClusterDiff {
  readonly name: string;
  readonly change: Change | 'unchanged';
  readonly applications: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
  readonly groups: readonly GroupDiff[];
  readonly warnings: readonly Warning[];
  /** Files compared (both sides, review files excluded). */
  readonly files: number;
}

export interface DiffReport {
  readonly clusters: readonly ClusterDiff[];
  readonly warnings: readonly Warning[];
  readonly hasChanges: boolean;
  readonly filesCompared: number;
}

type Obj = Record<string, unknown>;
type K8s = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; finalizers?: string[]; labels?: Record<string, string> };
  spec?: Obj;
  [k: string]: unknown;
};

const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A scalar as {@link canonical} writes it: its JSON, except the numbers JSON cannot tell apart (it writes -0 as 0, and
 * NaN and ±Infinity as null), which rendered YAML (`-0.0`, `.nan`, `.inf`, `null`) and Helm's templates do.
 */
const leafText = (v: unknown): string => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? '-0' : (JSON.stringify(v) ?? 'null'));

/** JSON with sorted keys (scalars as {@link leafText}): two objects are equal when their canonical forms are. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return leafText(v);
}

/**
 * `canonical(a) === canonical(b)`, without building either string: a walk that stops at the first difference. Same
 * rules: key order is ignored, a key whose value is undefined is absent, and scalars are equal when their
 * {@link leafText} is (undefined and null are one value; -0, NaN and ±Infinity are values of their own). Objects
 * that are not arrays are compared by their own keys, as `canonical` does (a Date has none).
 */
export function sameCanonical(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true; // not ===: 0 and -0 differ here
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a) || isMap(b)) {
    if (!isMap(a) || !isMap(b)) return false;
    let defined = 0;
    for (const k of Object.keys(a)) {
      if (a[k] === undefined) continue;
      defined++;
      if (b[k] === undefined || !Object.prototype.hasOwnProperty.call(b, k) || !sameCanonical(a[k], b[k])) return false;
    }
    for (const k of Object.keys(b)) if (b[k] !== undefined) defined--;
    return defined === 0;
  }
  return leafText(a) === leafText(b);
}

/** A file of one side parsed: YAML from the side's shared cache (parsed once), JSON, else the text itself. */
function parseFile(s: Side, path: string, content: string): unknown {
  if (/\.ya?ml$/.test(path)) return s.yaml(path);
  if (path.endsWith('.json')) return JSON.parse(content);
  return content;
}

function labelOf(path: string, obj: unknown): string {
  const o = obj as K8s;
  if (!isMap(o) || !o.kind) return path;
  const ns = o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}

/**
 * The text the diff shows for a file's (redacted) object. `sorted`: `codec.dumpSorted(obj)` when the caller knows it
 * (Loaded.sortedDump), so it is not dumped again.
 */
function toText(path: string, obj: unknown, codec: Codec, sorted?: string): string {
  if (obj === undefined) return '';
  if (typeof obj === 'string') return obj;
  if (path.endsWith('.json')) return `${JSON.stringify(sortKeys(obj), null, 2)}\n`;
  return sorted ?? codec.dumpSorted(obj);
}

/**
 * `dump(v, { lineWidth: -1, noRefs: true, sortKeys: true })` of js-yaml, byte for byte (test/diff-fast-paths.test.ts
 * compares), through synth's faster emitter (yaml-emit.ts) on a key-sorted copy: ~4x faster on Applications.
 */
export function dumpSorted(v: unknown): string {
  const sorted = sortedCopy(v);
  return sorted === UNSORTABLE ? dump(v, SORTED_DUMP) : dumpYaml(sorted);
}

const SORTED_DUMP = { lineWidth: -1, noRefs: true, sortKeys: true } as const;

/** A YAML file read by a codec: its value, and its sorted dump when the reader knows it without dumping. */
export interface Loaded {
  readonly value: unknown;
  /**
   * `Codec.dumpSorted(value)`, when the reader knows it (yaml-load.ts readYaml: the file's own text). Two files whose
   * sorted dumps are both known are equal (`Codec.same`) exactly when these are: the dump is a function of the value
   * and reads back to it, and with sorted keys and no undefined values, equal values are identical ones.
   * @default unknown
   */
  readonly sortedDump?: string;
}

/**
 * How the engine reads, compares and prints objects. FAST_CODEC (the default) and REFERENCE_CODEC (js-yaml's own
 * load and dump, and canonical strings: the engine before its fast paths) give the same report; a test compares.
 */
export interface Codec {
  /** A YAML file's text as js-yaml's `load` reads it. */
  readonly load: (text: string) => Loaded;
  /** js-yaml's `dump(v, { lineWidth: -1, noRefs: true, sortKeys: true })`. */
  readonly dumpSorted: (v: unknown) => string;
  /** `canonical(a) === canonical(b)`. */
  readonly same: (a: unknown, b: unknown) => boolean;
}

export const FAST_CODEC: Codec = { load: readYaml, dumpSorted, same: sameCanonical };
export const REFERENCE_CODEC: Codec = { load: (text) => ({ value: load(text) }), dumpSorted: (v) => dump(v, SORTED_DUMP), same: (a, b) => canonical(a) === canonical(b) };

const UNSORTABLE = Symbol('unsortable');

/**
 * A copy of `v` whose mappings list their keys sorted as js-yaml's `sortKeys: true` sorts them (by UTF-16 code units),
 * so that dumping it without sortKeys gives the sorted text. UNSORTABLE when an object cannot hold that order (a
 * numeric key) or is not a plain object (js-yaml may write it in another form).
 */
function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const c = sortedCopy(x);
      if (c === UNSORTABLE) return UNSORTABLE;
      out.push(c);
    }
    return out;
  }
  if (typeof v !== 'object' || v === null) return v;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return UNSORTABLE;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    if (INDEX_KEY.test(k) || k === '__proto__') return UNSORTABLE;
    const c = sortedCopy((v as Obj)[k]);
    if (c === UNSORTABLE) return UNSORTABLE;
    out[k] = c;
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) cur = isMap(cur) ? cur[k] : undefined;
  return cur;
}

/** A short one-line rendering of a value for summaries and warnings. */
export function short(v: unknown, max = 80): string {
  if (v === undefined) return '(none)';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? leafText(v) : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// Fields Kubernetes refuses to change in place: an apply fails until the object is deleted and re-created.
const IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec.selector'],
  ReplicaSet: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  Job: ['spec.selector', 'spec.template', 'spec.completionMode'],
  Service: ['spec.clusterIP', 'spec.clusterIPs'],
  PersistentVolumeClaim: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeName', 'spec.volumeMode', 'spec.selector', 'spec.dataSource', 'spec.dataSourceRef'],
  PersistentVolume: ['spec.csi', 'spec.nfs', 'spec.awsElasticBlockStore', 'spec.volumeMode'],
  StorageClass: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
  RoleBinding: ['roleRef'],
  ClusterRoleBinding: ['roleRef'],
  CSIDriver: ['spec'],
  IngressClass: ['spec.controller'],
  CustomResourceDefinition: ['spec.scope'],
};

const WORKLOADS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

function podSpecOf(o: K8s): Obj | undefined {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return get(o, 'spec.jobTemplate.spec.template.spec') as Obj | undefined;
  return get(o, 'spec.template.spec') as Obj | undefined;
}

/** Images of a workload's containers, keyed `Kind name container`. */
function workloadImages(o: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const k = o as K8s;
  if (!isMap(k) || !WORKLOADS.has(String(k.kind))) return out;
  const pod = podSpecOf(k);
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of (pod?.[list] as Array<{ name?: string; image?: string }> | undefined) ?? []) {
      if (c.image) out.set(`${k.kind} ${k.metadata?.name} container ${c.name}`, c.image);
    }
  }
  return out;
}

type Source = { repoURL?: string; chart?: string; path?: string; targetRevision?: string; helm?: { valuesObject?: unknown } };

function sourcesOf(o: unknown): Source[] {
  const spec = (o as K8s)?.spec;
  if (!isMap(spec)) return [];
  if (Array.isArray(spec.sources)) return spec.sources as Source[];
  return isMap(spec.source) ? [spec.source as Source] : [];
}

function chartKey(s: Source): string | undefined {
  if (s.chart) return s.chart;
  if (s.repoURL?.startsWith('oci://')) return s.repoURL.replace(/^.*\//, '');
  return undefined;
}

/** Chart name → version of an Application's chart sources. */
function charts(o: unknown): Map<string, string> {
  return new Map(sourcesOf(o).flatMap((s) => (chartKey(s) ? [[chartKey(s)!, String(s.targetRevision ?? '')] as const] : [])));
}

/** Leaves of a value tree as `a.b[0].c` → value. */
function leaves(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isMap(v) && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  else if (Array.isArray(v) && v.length > 0) v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  else out.set(prefix, v);
  return out;
}

const IMAGE_PART = /^(tag|repository|registry|digest)$/;

/**
 * Image references in Helm values (their leaves, see `leaves`): `image` strings, and `tag`/`repository`/`registry`/
 * `digest` keys (under an image block or anywhere for `tag`).
 */
function valuesImages(values: ReadonlyMap<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, v] of values) {
    if (v === undefined || v === null || typeof v === 'object') continue;
    const plain = path.includes('[') ? path.replace(/\[\d+\]/g, '') : path;
    if (!/image|tag/i.test(plain)) continue; // neither test below can match
    const parts = plain.split('.');
    const key = parts[parts.length - 1];
    const underImage = parts.slice(0, -1).some((p) => /image/i.test(p));
    if (/^image$/i.test(key) || key === 'tag' || (IMAGE_PART.test(key) && underImage)) out.set(`values ${path}`, String(v));
  }
  return out;
}

function valuesOf(o: unknown): unknown {
  const vals = sourcesOf(o).filter((s) => chartKey(s)).map((s) => s.helm?.valuesObject ?? {});
  return vals.length === 1 ? vals[0] : vals;
}

function compareMaps(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>, out: FromTo[], prefix = ''): void {
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(k) !== b.get(k)) out.push({ what: `${prefix}${k}`, ...(a.has(k) ? { from: a.get(k) } : {}), ...(b.has(k) ? { to: b.get(k) } : {}) });
  }
}

function waveOf(o: unknown): string | undefined {
  return (o as K8s)?.metadata?.annotations?.[SYNC_WAVE];
}

interface Side {
  readonly files: ReadonlyMap<string, string>;
  /**
   * The index entries the comparison reads on every cluster: every file of apps/ and bootstrap/ (they decide which
   * Application each file belongs to) and every file that differs from the other side. Identical files elsewhere
   * (most of the bytes: CRDs, chart manifests) are not parsed for it.
   */
  readonly index: ReadonlyMap<string, ManifestEntry>;
  /** The whole index (every file parsed, once), for the rare checks that need it. */
  readonly fullIndex: () => ReadonlyMap<string, ManifestEntry>;
  readonly root?: string;
  readonly apps: ReadonlySet<string>;
  /** The YAML file at `path` parsed, shared with the other side (see YamlCache): read it, never change it. */
  readonly yaml: (path: string) => unknown;
}

/**
 * Parsed YAML by file text, shared by the two sides of a cluster: a file unchanged between base and head is parsed
 * once for both indexes. Its objects are only read, never changed (redaction copies what it redacts and returns the
 * rest as it is).
 */
type YamlCache = Map<string, Loaded>;

/** indexFiles' parsed objects (review.ts), path → object. */
type Indexed = NonNullable<Parameters<typeof indexFiles>[1]>;
type IndexedObject = Indexed extends ReadonlyMap<string, infer V> ? V : never;

function cachedLoad(cache: YamlCache, content: string, codec: Codec): Loaded {
  let read = cache.get(content);
  if (read === undefined) cache.set(content, (read = codec.load(content)));
  return read;
}

/**
 * One side of a cluster; `differs(path)` says whether the other side's file at `path` differs (or is missing). An
 * entry depends on its own file and on the apps/ and bootstrap/ Applications only (review.ts indexFiles), so the
 * partial index holds the same entries as the whole one.
 */
function side(files: ReadonlyMap<string, string> | undefined, cache: YamlCache, differs: (path: string) => boolean, codec: Codec): Side {
  const f = files ?? new Map<string, string>(); // without review files (StreamingComparison.add)
  // What indexFiles would parse itself (review.ts: YAML files, objects only), from the shared cache.
  const indexOf = (paths: readonly string[]) =>
    new Map(
      indexFiles(
        f,
        new Map(
          paths.map((path) => {
            const obj = /\.ya?ml$/.test(path) ? cachedLoad(cache, f.get(path)!, codec).value : undefined;
            return [path, typeof obj === 'object' && obj !== null ? (obj as IndexedObject) : undefined];
          }),
        ),
      ).map((e) => [e.path, e]),
    );
  const index = indexOf([...f.keys()].filter((p) => p.startsWith('apps/') || p.startsWith('bootstrap/') || differs(p)));
  let full: ReadonlyMap<string, ManifestEntry> | undefined;
  const entries = [...index.values()];
  const root = entries.find((e) => e.kind === 'Application' && e.path.startsWith('bootstrap/'))?.name;
  const apps = new Set(entries.filter((e) => e.kind === 'Application' && e.path.startsWith('apps/')).map((e) => e.name));
  return { files: f, index, fullIndex: () => (full ??= indexOf([...f.keys()])), root, apps, yaml: (path) => cachedLoad(cache, f.get(path)!, codec).value };
}

const BOOTSTRAP = 'bootstrap (applied by hand)';
const AWS = 'AWS bootstrap (CloudFormation)';

function groupOf(path: string, base: Side, head: Side): { name: string; type: GroupType } {
  const app = head.index.get(path)?.application ?? base.index.get(path)?.application;
  if (app) {
    if (head.apps.has(app) || base.apps.has(app)) return { name: app, type: 'application' };
    return { name: app, type: app === head.root || app === base.root ? 'root' : 'other' };
  }
  if (path.startsWith('bootstrap/')) return { name: BOOTSTRAP, type: 'bootstrap' };
  if (path.startsWith('aws/')) return { name: AWS, type: 'aws' };
  return { name: path.split('/')[0], type: 'other' };
}

interface MutableGroup {
  name: string;
  type: GroupType;
  change: Change;
  wave: number | null;
  counts: { add: number; change: number; destroy: number };
  charts: FromTo[];
  images: FromTo[];
  waves: FromTo[];
  projects: FromTo[];
  destinations: FromTo[];
  values: FromTo[];
  resources: ResourceChange[];
  templates: Array<{ path: string; diff: CfnTemplateDiff }>;
  warnings: Warning[];
}

function prunes(app: unknown): boolean {
  return (app as K8s)?.spec?.syncPolicy !== undefined && get(app, 'spec.syncPolicy.automated.prune') === true;
}

const apiGroup = (apiVersion: string | null | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0] : '');

/**
 * API group → the Applications serving it on one side: from their chart sources (CHART_API_GROUPS) and from the
 * CustomResourceDefinition files they sync (`spec.group`).
 */
function servedGroups(s: Side, index: ReadonlyMap<string, ManifestEntry>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (group: string, app: string) => out.set(group, (out.get(group) ?? new Set()).add(app));
  for (const [path, e] of index) {
    if (e.kind === 'Application' && path.startsWith('apps/')) {
      for (const src of sourcesOf(s.yaml(path))) for (const g of CHART_API_GROUPS[chartKey(src) ?? ''] ?? []) add(g, e.name);
    } else if (e.kind === 'CustomResourceDefinition') {
      const group = get(s.yaml(path), 'spec.group');
      if (typeof group === 'string') add(group, e.application ?? '(applied by hand)');
    }
  }
  return out;
}

/** Custom resources (not CRDs) of `group` on one side, as `Kind namespace/name (Application)`. */
function customResources(s: Side, group: string): string[] {
  return [...s.fullIndex().values()]
    .filter((e) => e.kind !== 'CustomResourceDefinition' && apiGroup(e.apiVersion) === group)
    .map((e) => `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.application ? ` (${e.application})` : ''}`)
    .sort((a, b) => a.localeCompare(b, 'en'));
}

const listed = (items: readonly string[], max = 5) => (items.length > max ? `${items.slice(0, max).join(', ')}, … (${items.length} in all)` : items.join(', '));

/**
 * Warnings for API groups no Application serves any more (its add-on disabled, renamed, or its chart or CRDs
 * removed) while custom resources of the group remain in the rendered output, or go in the same change: their
 * finalizers need the controller, and deleting the CRDs deletes them all.
 */
function lostControllerWarnings(cluster: string, base: Side, head: Side): Warning[] {
  // First from the partial indexes. A group lost in the whole indexes is lost in these too: a CRD file missing from
  // them is byte-identical on both sides, so its group is served after as before. Nothing lost: no warning.
  const partBefore = servedGroups(base, base.index);
  const partAfter = servedGroups(head, head.index);
  if ([...partBefore.keys()].every((g) => partAfter.has(g))) return [];
  const before = servedGroups(base, base.fullIndex());
  const after = servedGroups(head, head.fullIndex());
  const warnings: Warning[] = [];
  for (const [group, apps] of [...before].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    if (after.has(group)) continue;
    const by = [...apps].sort();
    const remaining = customResources(head, group);
    const headKeys = new Set(remaining);
    const going = customResources(base, group).filter((r) => !headKeys.has(r));
    const effect = Object.hasOwn(RUNTIME_EFFECTS, group) ? ` (${RUNTIME_EFFECTS[group]})` : '';
    const what = `${by.join(', ')} ${by.length === 1 ? 'was' : 'were'} the last to serve ${group} (controller or CRDs)`;
    if (remaining.length > 0) {
      warnings.push({
        cluster,
        group: by[0],
        kind: 'controller-removed',
        message: `${what}, and ${remaining.length} custom resource${remaining.length === 1 ? '' : 's'} of it remain${remaining.length === 1 ? 's' : ''}: ${listed(remaining)}; without the controller their finalizers never run, and deleting the CRDs deletes them${effect}. Remove them in an earlier change, then the add-on`,
      });
    } else if (going.length > 0) {
      warnings.push({
        cluster,
        group: by[0],
        kind: 'controller-removed',
        message: `${what}, and ${listed(going)} ${going.length === 1 ? 'goes' : 'go'} in the same change: the controller and CRDs may be deleted before their finalizers run${effect}. Remove the custom resources in one change and the add-on in a later one`,
      });
    }
  }
  return warnings;
}

/** One file that differs between the two sides of a cluster, parsed; what the warning functions below look at. */
interface FileChange {
  /** Path relative to the cluster folder. */
  readonly path: string;
  /** `Kind namespace/name`, or the path for non-Kubernetes files. */
  readonly label: string;
  readonly change: Change;
  /** The parsed file on each side; absent when added (`before`) or removed (`after`). */
  readonly before: K8s | undefined;
  readonly after: K8s | undefined;
  /** The same, redacted (redact.ts): messages quote values from these only. */
  readonly redactedBefore: K8s | undefined;
  readonly redactedAfter: K8s | undefined;
}

/** Both sides of the cluster being compared, and the group (Application) the file belongs to. */
interface Context {
  readonly base: Side;
  readonly head: Side;
  readonly group: string;
  readonly codec: Codec;
}

/** The add-on Application `app` of one side (apps/), parsed. */
function applicationObject(s: Side, app: string): unknown {
  for (const [p, e] of s.index) if (e.kind === 'Application' && e.name === app && p.startsWith('apps/')) return s.yaml(p);
  return undefined;
}

/** The kind of a file's object: the new side's, or the old one's when removed. */
const kindOf = (f: FileChange) => (f.after ?? f.before)?.kind;

/**
 * `application-removed`: an add-on Application (apps/) is removed. With Argo CD's resources-finalizer, deleting it
 * deletes everything it deployed (the whole add-on goes); without it, the add-on keeps running unmanaged. Either
 * way the reviewer must know which, and which chart version is going.
 */
function applicationRemovedWarnings(f: FileChange): string[] {
  const app = f.before;
  if (f.change !== 'removed' || !app || kindOf(f) !== 'Application' || !f.path.startsWith('apps/')) return [];
  const finalizer = app.metadata?.finalizers?.includes('resources-finalizer.argocd.argoproj.io');
  const chartText = [...charts(app)].map(([c, v]) => `${c} ${v}`).join(', ');
  return [
    `Application ${app.metadata?.name} is removed${chartText ? ` (chart ${chartText})` : ''}: ${
      finalizer ? 'its resources-finalizer makes Argo CD delete everything it deployed' : 'what it deployed keeps running, no longer managed (no resources-finalizer)'
    }`,
  ];
}

/**
 * `prune`: any other synced object is removed (not an add-on Application, not a hand-applied bootstrap/ file).
 * Whether Argo CD deletes it depends on its Application's automated prune; otherwise it lingers OutOfSync.
 */
function pruneWarnings(f: FileChange, c: Context): string[] {
  if (f.change !== 'removed' || !f.before || (kindOf(f) === 'Application' && f.path.startsWith('apps/')) || f.path.startsWith('bootstrap/')) return [];
  const owner = applicationObject(c.head, c.group) ?? applicationObject(c.base, c.group);
  return [`prune: ${f.label} is removed; ${prunes(owner) ? 'Argo CD deletes it (automated prune)' : 'Argo CD shows it OutOfSync until pruned'}`];
}

/**
 * `crd-deleted`: a CustomResourceDefinition is removed. Kubernetes deletes every custom resource of its type with
 * it, so the message lists those the new output still renders (they would be deleted, then fail to sync).
 */
function crdDeletedWarnings(f: FileChange, c: Context): string[] {
  const crd = f.before;
  if (f.change !== 'removed' || !crd || kindOf(f) !== 'CustomResourceDefinition') return [];
  const crdGroup = get(crd, 'spec.group');
  const crdKind = get(crd, 'spec.names.kind');
  const left = [...c.head.fullIndex().values()].filter((e) => e.kind === crdKind && apiGroup(e.apiVersion) === crdGroup);
  const remain = left.length === 0 ? '' : ` while ${left.length} ${String(crdKind)} object${left.length === 1 ? '' : 's'} remain${left.length === 1 ? 's' : ''} in the rendered output (${listed(left.map((e) => `${e.namespace ? `${e.namespace}/` : ''}${e.name}`))})`;
  return [`CustomResourceDefinition ${crd.metadata?.name} is deleted${remain}: Kubernetes deletes every custom resource of this type with it`];
}

/** `namespace-deleted`: a Namespace is removed; Kubernetes deletes everything in it, rendered by this tool or not. */
function namespaceDeletedWarnings(f: FileChange): string[] {
  if (f.change !== 'removed' || !f.before || kindOf(f) !== 'Namespace') return [];
  return [`Namespace ${f.before.metadata?.name} is deleted, with everything in it`];
}

/**
 * `replacement`: a change Kubernetes cannot apply in place, so the sync fails (or the object is re-created):
 * an IMMUTABLE field changed, a Service's `spec.type` changed (its cluster IP, node ports or load balancer are
 * allocated or released), or the data of an `immutable: true` Secret or ConfigMap changed.
 */
function replacementWarnings(f: FileChange, c: Context): string[] {
  const { before: a, after: b, label } = f;
  if (f.change !== 'changed' || !a || !b || a.kind !== b.kind) return [];
  const kind = b.kind;
  const [ra, rb] = [f.redactedBefore, f.redactedAfter];
  const out: string[] = [];
  for (const field of IMMUTABLE[String(kind)] ?? []) {
    if (!c.codec.same(get(a, field), get(b, field))) {
      out.push(`${label}: ${field} changed (${short(get(ra, field), 60)} → ${short(get(rb, field), 60)}); it is immutable, so the sync fails until the object is deleted and re-created (sync option Replace=true, or delete it by hand)`);
    }
  }
  if (kind === 'Service' && get(a, 'spec.type') !== get(b, 'spec.type')) {
    out.push(`${label}: spec.type ${short(get(a, 'spec.type') ?? 'ClusterIP')} → ${short(get(b, 'spec.type') ?? 'ClusterIP')}; the Service's cluster IP, node ports or load balancer are allocated or released`);
  }
  if ((kind === 'Secret' || kind === 'ConfigMap') && a.immutable === true) {
    for (const field of ['data', 'binaryData', 'stringData']) {
      if (!c.codec.same(a[field], b[field])) out.push(`${label}: ${field} changed on an immutable ${kind}; it must be deleted and re-created`);
    }
  }
  return out;
}

/** An Application's destination as `server-or-name namespace`. */
const destinationText = (d: Obj | undefined) => `${d?.server ?? d?.name ?? '?'} ${d?.namespace ?? '(no namespace)'}`;

/** The destination change of an Application present on both sides, if any. */
function destinationChange(a: K8s | undefined, b: K8s | undefined, codec: Codec): FromTo | undefined {
  if (!a || !b || b.kind !== 'Application') return undefined;
  const da = get(a, 'spec.destination') as Obj | undefined;
  const db = get(b, 'spec.destination') as Obj | undefined;
  return codec.same(da, db) ? undefined : { what: 'destination', from: destinationText(da), to: destinationText(db) };
}

/**
 * `destination-changed`: an Application's destination (cluster or namespace) changed. Argo CD deploys everything
 * to the new one and prunes what it deployed at the old one: a move, not an edit.
 */
function destinationChangedWarnings(f: FileChange, c: Context): string[] {
  const moved = destinationChange(f.before, f.after, c.codec);
  return moved ? [`Application ${f.after!.metadata?.name}: destination ${moved.from} → ${moved.to}; Argo CD deploys to the new destination and prunes what it deployed at the old one`] : [];
}

/**
 * The warnings of one changed Kubernetes file, in the order they are reported. (A file's removal and change
 * warnings exclude each other; `controller-removed` needs the whole cluster, see lostControllerWarnings.)
 */
const FILE_WARNINGS: ReadonlyArray<readonly [WarningKind, (f: FileChange, c: Context) => string[]]> = [
  ['application-removed', applicationRemovedWarnings],
  ['prune', pruneWarnings],
  ['crd-deleted', crdDeletedWarnings],
  ['namespace-deleted', namespaceDeletedWarnings],
  ['replacement', replacementWarnings],
  ['destination-changed', destinationChangedWarnings],
];

/**
 * `cfn-removal`: a resource of an AWS bootstrap template (aws/*.json) is removed; CloudFormation deletes it, or
 * orphans it when its DeletionPolicy retains it (WILL_ORPHAN): either way the stack stops managing it.
 */
function cfnRemovalWarning(path: string, r: CfnResourceChange): string | undefined {
  if (r.change !== 'removed') return undefined;
  return `${path}: ${r.type} ${r.logicalId} is removed (${r.impact === 'WILL_ORPHAN' ? 'retained, no longer managed by the stack' : 'deleted'})`;
}

/**
 * `cfn-replacement`: a property change that makes CloudFormation replace a resource (a new physical resource: new
 * ARN or ID, the old one deleted), certainly (WILL_REPLACE) or depending on the value (MAY_REPLACE).
 */
function cfnReplacementWarning(path: string, r: CfnResourceChange): string | undefined {
  if (r.change !== 'modified' || !isReplacement(r)) return undefined;
  return `${path}: ${r.type} ${r.logicalId} ${r.impact === 'WILL_REPLACE' ? 'is' : 'may be'} replaced (changed: ${r.properties.join(', ') || 'resource attributes'})`;
}

/**
 * `cluster-removed`: a whole cluster folder (or the fleet folder) is gone from dist/. Argo CD cannot remove what
 * was applied by hand (the root Application, the fleet's ApplicationSet), so someone must delete it.
 */
function clusterRemovedWarning(name: string): string {
  return name === FLEET_DIR
    ? `dist/${FLEET_DIR} is removed: its ApplicationSet was applied by hand (kubectl apply -f dist/${FLEET_DIR}/) and must be deleted by hand`
    : `cluster ${name} is removed from dist/: its root Application (applied by hand) must be deleted by hand`;
}

function emptyGroup(name: string, type: GroupType, wave: number | null): MutableGroup {
  return { name, type, change: 'changed', wave, counts: { add: 0, change: 0, destroy: 0 }, charts: [], images: [], waves: [], projects: [], destinations: [], values: [], resources: [], templates: [], warnings: [] };
}

/** True when both sides hold the same paths with byte-identical contents. */
function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, content] of a) if (b.get(path) !== content) return false;
  return true;
}

function compareCluster(name: string, baseFiles: ReadonlyMap<string, string> | undefined, headFiles: ReadonlyMap<string, string> | undefined, codec: Codec): ClusterDiff {
  // Most clusters of a change are untouched: byte-identical files compare equal without parsing or indexing them.
  // (Review files are gone already: StreamingComparison.add.)
  if (baseFiles !== undefined && headFiles !== undefined && sameFiles(baseFiles, headFiles)) {
    return { name, change: 'unchanged', applications: { added: [], removed: [], changed: [] }, groups: [], warnings: [], files: baseFiles.size };
  }
  const cache: YamlCache = new Map();
  /** The sorted dump of a YAML file's content when its reader knows it (the content is parsed, so in the cache). */
  const textOf = (content: string) => cache.get(content)!.sortedDump;
  const differs = (path: string) => baseFiles?.get(path) !== headFiles?.get(path);
  const base = side(baseFiles, cache, differs, codec);
  const head = side(headFiles, cache, differs, codec);
  const groups = new Map<string, MutableGroup>();
  const paths = [...new Set([...base.files.keys(), ...head.files.keys()])].sort();

  for (const path of paths) {
    const a = base.files.get(path);
    const b = head.files.get(path);
    if (a !== undefined && a === b) continue; // byte-identical: equal objects, nothing to parse
    const oa = a === undefined ? undefined : parseFile(base, path, a);
    const ob = b === undefined ? undefined : parseFile(head, path, b);
    const yaml = /\.ya?ml$/.test(path);
    const ta = yaml && a !== undefined ? textOf(a) : undefined;
    const tb = yaml && b !== undefined ? textOf(b) : undefined;
    if (a !== undefined && b !== undefined && (ta !== undefined && tb !== undefined ? ta === tb : codec.same(oa, ob))) continue;

    const { name: gname, type } = groupOf(path, base, head);
    let g = groups.get(gname);
    if (!g) {
      const entry = head.index.get(path) ?? base.index.get(path);
      g = emptyGroup(gname, type, type === 'application' ? (entry?.wave ?? null) : null);
      groups.set(gname, g);
    }
    const change: Change = oa === undefined ? 'added' : ob === undefined ? 'removed' : 'changed';
    g.counts[change === 'added' ? 'add' : change === 'removed' ? 'destroy' : 'change']++;
    const [ra, rb] = redactPair(oa, ob);
    const label = labelOf(path, oa ?? ob);
    const warn = (kind: WarningKind, message: string | undefined) => message !== undefined && g!.warnings.push({ cluster: name, group: gname, kind, message });
    g.resources.push({
      path,
      label,
      change,
      // An object redaction left as it was read (the same object, redact.ts) is shown as its sorted text.
      diff: unifiedDiff(toText(path, ra, codec, ra === oa ? ta : undefined), toText(path, rb, codec, rb === ob ? tb : undefined), {
        from: oa === undefined ? '/dev/null' : `a/${name}/${path}`,
        to: ob === undefined ? '/dev/null' : `b/${name}/${path}`,
      }),
    });

    if (isCloudFormationFile(path)) {
      const d = diffTemplates(oa as Obj | undefined, ob as Obj | undefined);
      g.templates.push({ path, diff: d });
      for (const r of d.resources) {
        warn('cfn-removal', cfnRemovalWarning(path, r));
        warn('cfn-replacement', cfnReplacementWarning(path, r));
      }
      continue;
    }

    const ka = oa as K8s | undefined;
    const kb = ob as K8s | undefined;
    const file: FileChange = { path, label, change, before: ka, after: kb, redactedBefore: ra as K8s | undefined, redactedAfter: rb as K8s | undefined };
    for (const [kind, detect] of FILE_WARNINGS) for (const message of detect(file, { base, head, group: gname, codec })) warn(kind, message);
    const isApp = kindOf(file) === 'Application';
    if (isApp && (kb ?? ka)?.metadata?.name === gname) g.change = change;

    // Waves of any object (Applications: the cluster's sync order; others: order inside their Application).
    if (waveOf(ka) !== waveOf(kb) && ka && kb) g.waves.push({ what: isApp ? 'wave' : `wave of ${label}`, from: waveOf(ka), to: waveOf(kb) });

    // Images of workloads.
    compareMaps(workloadImages(ka), workloadImages(kb), g.images);

    if (isApp) {
      const ca = charts(ka);
      const cb = charts(kb);
      for (const c of [...new Set([...ca.keys(), ...cb.keys()])].sort()) {
        if (ca.get(c) !== cb.get(c)) g.charts.push({ what: c, ...(ca.has(c) ? { from: ca.get(c) } : {}), ...(cb.has(c) ? { to: cb.get(c) } : {}) });
      }
      if (ka && kb) {
        if (ka.spec?.project !== kb.spec?.project) g.projects.push({ what: 'project', from: String(ka.spec?.project), to: String(kb.spec?.project) });
        const moved = destinationChange(ka, kb, codec);
        if (moved) g.destinations.push(moved);
        const la = leaves(valuesOf(ra));
        const lb = leaves(valuesOf(rb));
        compareMaps(valuesImages(la), valuesImages(lb), g.images);
        for (const k of [...new Set([...la.keys(), ...lb.keys()])].sort()) {
          if (!codec.same(la.get(k), lb.get(k))) {
            g.values.push({ what: k || '(root)', ...(la.has(k) ? { from: short(la.get(k)) } : {}), ...(lb.has(k) ? { to: short(lb.get(k)) } : {}) });
          }
        }
      }
    }
  }

  // A group without an Application of its own (bootstrap/, aws/, other files) is new or gone when all its files are.
  for (const g of groups.values()) {
    if (g.type === 'application' || g.resources.length === 0) continue;
    if (g.resources.every((r) => r.change === 'added')) g.change = 'added';
    else if (g.resources.every((r) => r.change === 'removed')) g.change = 'removed';
  }
  const order = (g: MutableGroup) => (g.type === 'root' ? 0 : g.type === 'application' ? 1 : g.type === 'other' ? 2 : g.type === 'bootstrap' ? 3 : 4);
  const sorted = [...groups.values()].sort((x, y) => order(x) - order(y) || (x.wave ?? 0) - (y.wave ?? 0) || x.name.localeCompare(y.name, 'en'));
  const apps = sorted.filter((g) => g.type === 'application');
  // A cluster removed as a whole is one warning (below), not one per API group; an unchanged one has none.
  const lost = headFiles === undefined || groups.size === 0 ? [] : lostControllerWarnings(name, base, head);
  const unplaced = lost.filter((w) => !groups.has(w.group));
  for (const w of lost) groups.get(w.group)?.warnings.push(w);
  const warnings = [...sorted.flatMap((g) => g.warnings), ...unplaced];
  const change: ClusterDiff['change'] =
    baseFiles === undefined ? 'added' : headFiles === undefined ? 'removed' : sorted.length > 0 ? 'changed' : 'unchanged';
  if (change === 'removed') warnings.unshift({ cluster: name, group: name, kind: 'cluster-removed', message: clusterRemovedWarning(name) });
  return {
    name,
    change,
    applications: {
      added: apps.filter((g) => g.change === 'added').map((g) => g.name),
      removed: apps.filter((g) => g.change === 'removed').map((g) => g.name),
      changed: apps.filter((g) => g.change === 'changed').map((g) => g.name),
    },
    groups: sorted,
    warnings,
    files: new Set([...base.files.keys(), ...head.files.keys()]).size,
  };
}

/**
 * Compares clusters as they arrive from two renders (`add`, in any order, each cluster at most once per side): a
 * cluster is compared as soon as both sides have it, and its files are dropped, so the comparison overlaps the
 * renders and memory holds only clusters one side has sent and the other not yet. `report()` compares what is left
 * (clusters present on one side only: added or removed as a whole) and returns the report, clusters by name.
 */
export class StreamingComparison {
  private readonly pending = { base: new Map<string, ReadonlyMap<string, string>>(), head: new Map<string, ReadonlyMap<string, string>>() };
  private readonly done = new Map<string, ClusterDiff>();

  /** @param codec how objects are read, compared and printed @default FAST_CODEC */
  constructor(private readonly codec: Codec = FAST_CODEC) {}

  /**
   * One side's cluster. Its review files (README.md, manifest.json) are dropped here: the comparison skips them, and
   * a render stream of version 2 leaves them out, so a side that has them (a v1 stream, a folder) compares the same.
   */
  add(side: 'base' | 'head', name: string, rendered: ReadonlyMap<string, string>): void {
    const files = rendered.has(README_FILE) || rendered.has(MANIFEST_FILE) ? new Map([...rendered].filter(([path]) => !isReviewFile(path))) : rendered;
    const other = this.pending[side === 'base' ? 'head' : 'base'];
    const theirs = other.get(name);
    if (theirs === undefined) {
      this.pending[side].set(name, files);
      return;
    }
    other.delete(name);
    this.done.set(name, side === 'base' ? compareCluster(name, files, theirs, this.codec) : compareCluster(name, theirs, files, this.codec));
  }

  report(): DiffReport {
    for (const [name, files] of this.pending.base) this.done.set(name, compareCluster(name, files, undefined, this.codec));
    for (const [name, files] of this.pending.head) this.done.set(name, compareCluster(name, undefined, files, this.codec));
    this.pending.base.clear();
    this.pending.head.clear();
    const clusters = [...this.done.keys()].sort().map((n) => this.done.get(n)!);
    return {
      clusters,
      warnings: clusters.flatMap((c) => c.warnings),
      hasChanges: clusters.some((c) => c.change !== 'unchanged'),
      filesCompared: clusters.reduce((s, c) => s + c.files, 0),
    };
  }
}

/** Compares two rendered trees; clusters present on one side only are added or removed as a whole. `codec`: see Codec. */
export function compareTrees(base: RenderedTree, head: RenderedTree, codec: Codec = FAST_CODEC): DiffReport {
  const comparison = new StreamingComparison(codec);
  for (const [name, files] of base) comparison.add('base', name, files);
  for (const [name, files] of head) comparison.add('head', name, files);
  return comparison.report();
}

