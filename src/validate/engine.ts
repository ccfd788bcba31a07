/**
 * The validator: reads a rendered tree and runs every check on every object. Strict schemas (built-in kinds against
 * the pinned Kubernetes definitions for the cluster's version, custom resources against their pinned CRD), Helm
 * values, AppProject preflight and the security baseline. Importing this module does no I/O.
 */
import { show } from '../../config/schema.ts';
import { CLUSTER_SCOPED_KINDS, isCustomResource } from '../kinds.ts';
import { isMap } from '../../config/merge.ts';
import { checkBaseline } from './baseline.ts';
import { ChartRegistry, chartSources, checkChartSource } from './helm.ts';
import { formatPath, fromAjv, objectRef, type ValidationProblem } from './problems.ts';
import { ADDON_LABEL } from '../../config/labels.ts';
import { checkProjects, type Scope } from './project.ts';
import { allowedFields, SchemaRegistry, splitApiVersion, versionsFor, type Lookup } from './schemas.ts';
import type { SchemaSource } from './sources.ts';
import { readTree, type ClusterTree, type K8sObject, type RenderedObject } from './tree.ts';

export interface ValidateOptions {
  /** `dist/`, one cluster's folder, or any folder of rendered YAML. */
  readonly root: string;
  /** Folder with `clusters/` (each cluster's Kubernetes version and git settings). */
  readonly configDir: string;
  readonly source: SchemaSource;
  /** Paths in messages are relative to this. @default process.cwd() */
  readonly relativeTo?: string;
  /** Check built-ins against this Kubernetes version instead of each cluster's. @default the cluster's kubernetesVersion */
  readonly kubernetesVersion?: string;
  /** Skip the strict schema check (the kubeconform engine does it instead). @default false */
  readonly skipSchemas?: boolean;
  /** Reuse compiled schemas across runs (tests, the kubeconform export). @default a new registry */
  readonly registry?: SchemaRegistry;
}

export interface ValidateResult {
  readonly problems: ValidationProblem[];
  readonly clusters: ClusterTree[];
  readonly files: number;
  readonly objects: number;
  /** Wall time, and the part spent loading and compiling schemas. */
  readonly ms: { readonly total: number; readonly schemas: number };
}

/** Which Kubernetes schema versions check a cluster's built-ins. */
export async function clusterVersions(registry: SchemaRegistry, tree: ClusterTree, override?: string): Promise<string[]> {
  return versionsFor(override ?? tree.settings?.kubernetesVersion, await registry.versions());
}

/** Whether a kind is served by a CRD (a pinned one, or any kind outside Kubernetes' own API groups). */
async function isCustom(registry: SchemaRegistry, o: K8sObject): Promise<boolean> {
  return (await registry.crd(String(o.apiVersion), String(o.kind))) !== undefined || isCustomResource(String(o.apiVersion));
}

/** Schema problems of one object: against each selected Kubernetes version for built-ins, its CRD otherwise. */
export async function checkSchema(registry: SchemaRegistry, r: RenderedObject, versions: readonly string[]): Promise<ValidationProblem[]> {
  const o = r.object;
  const problem = (path: string, message: string): ValidationProblem => ({ file: r.file, object: objectRef(o), path, message, check: 'schema' });
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return [problem('apiVersion', `got ${show(o.apiVersion)}; allowed: a string such as "apps/v1"`)];
  if (typeof o.kind !== 'string' || o.kind === '') return [problem('kind', `got ${show(o.kind)}; allowed: a string such as "Deployment"`)];
  // ObjectMeta's schema makes name optional (generateName), but Argo CD applies and tracks objects by name.
  const name = isMap(o.metadata) ? o.metadata.name : undefined;
  const unnamed = typeof name !== 'string' || name === '' ? [problem('metadata.name', `got ${show(name)}; allowed: a non-empty name (Argo CD applies and tracks objects by name; generateName is not supported)`)] : [];
  const lookups: Array<{ label: string; lookup: Lookup }> = [];
  if (await isCustom(registry, o)) {
    lookups.push({ label: 'CRD', lookup: await registry.custom(o.apiVersion, o.kind, versions[versions.length - 1]) });
  } else {
    for (const v of versions) lookups.push({ label: v, lookup: await registry.builtin(v, o.apiVersion, o.kind) });
  }
  // The same problem in every version is reported once; one only some versions have names them.
  const found = new Map<string, { path: string; message: string; labels: string[] }>();
  for (const { label, lookup } of lookups) {
    let results: Array<{ path: string; message: string }> = [];
    if ('error' in lookup) {
      // The version (if any) goes last, so the same missing kind in every version is one problem.
      const version = / \(Kubernetes v[\d.]+\)$/.exec(lookup.error)?.[0] ?? '';
      results = [{ path: 'kind', message: `${lookup.error.slice(0, lookup.error.length - version.length)}; allowed: a kind with a pinned schema (an object without a schema is not trusted)${version}` }];
    } else if (!lookup.schema.validate(o)) {
      const errors = [...(lookup.schema.validate.errors ?? [])];
      // Only on failure: load the schema itself to list the fields allowed where unknown ones were found.
      const allowed = new Map<string, string[]>();
      const unknown = errors.filter((e) => e.keyword === 'additionalProperties');
      if (unknown.length > 0) {
        const schema = await lookup.schema.standalone();
        for (const e of unknown) allowed.set(e.instancePath, allowedFields(schema, e.instancePath));
      }
      results = fromAjv(errors, [], o, allowed).map((p) => ({ ...p, message: `${p.message} (${lookup.schema.label})` }));
    }
    for (const p of results) {
      // An unknown field is one problem even where versions allow different fields; the newest list is shown.
      const key = `${p.path}\n${p.message.startsWith('unknown field') ? p.message.split(';')[0] : p.message.replace(/ \(Kubernetes v[\d.]+\)$/, '')}`;
      const seen = found.get(key);
      if (seen) {
        seen.labels.push(label);
        seen.message = p.message;
      } else found.set(key, { ...p, labels: [label] });
    }
  }
  return [...unnamed, ...[...found.values()].map((p) => {
    const all = p.labels.length === lookups.length;
    const message = !all && lookups.length > 1 ? p.message.replace(/ \(Kubernetes v[\d.]+\)$/, ` (Kubernetes ${p.labels.join(', ')} only)`) : p.message.replace(/ \(Kubernetes v[\d.]+\)$/, ` (Kubernetes ${p.labels.join(', ')})`);
    return problem(p.path, message);
  })];
}

/** The second and later copies of one object (same group, kind, namespace and name) in one cluster's tree. */
export function checkDuplicates(tree: ClusterTree): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const first = new Map<string, RenderedObject>();
  for (const r of tree.objects) {
    const o = r.object;
    const name = isMap(o.metadata) ? o.metadata.name : undefined;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof name !== 'string' || name === '') continue;
    const namespace = isMap(o.metadata) && typeof o.metadata.namespace === 'string' ? o.metadata.namespace : '';
    // The version is left out: apps/v1 and apps/v1beta1 Deployments of one name are the same object.
    const key = [splitApiVersion(o.apiVersion).group, o.kind, namespace, name].join('/');
    const seen = first.get(key);
    if (!seen) {
      first.set(key, r);
      continue;
    }
    problems.push({
      file: r.file,
      object: objectRef(o),
      path: 'metadata.name',
      message: `the same object (group ${show(splitApiVersion(o.apiVersion).group)}, kind ${o.kind}, namespace ${show(namespace || undefined)}, name ${show(name)}) is also in ${seen.file}; allowed: each object once per cluster (Argo CD would apply one over the other)`,
      check: 'duplicate',
    });
  }
  return problems;
}

const SOURCE_KEY = /^spec\.(?:source|sources\[\d+\])\.(targetRevision|helm\.valuesObject(.*))$/;
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;

/**
 * The config key behind a problem in an add-on's Application, where the mapping is known: the chart version
 * (`addons.<id>.version`, when the file sets one) and Helm values the file sets under `addons.<id>.values` (the key
 * must be in the file, or be a missing field of a block the file sets). @returns undefined for anything else.
 */
export function configKeyOf(tree: ClusterTree, app: K8sObject, path: string, message: string): { file: string; key: string } | undefined {
  const id = app.metadata?.labels?.[ADDON_LABEL];
  const match = SOURCE_KEY.exec(path);
  if (!tree.settings || typeof id !== 'string' || !match) return undefined;
  const own = tree.settings.addons[id];
  if (!isMap(own)) return undefined;
  const at = (key: string) => ({ file: tree.settings!.configFile, key: `addons.${id}.${key}` });
  if (match[1] === 'targetRevision') return own.version !== undefined ? at('version') : undefined;
  const segments = [...(match[2] ?? '').matchAll(SEGMENT)].map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
  if (segments.length === 0) return undefined;
  const walk = (n: number) => segments.slice(0, n).reduce<unknown>((v, k) => (isMap(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined), own.values);
  const given = walk(segments.length) !== undefined || (message.startsWith('missing required field') && isMap(walk(segments.length - 1)));
  const rest = formatPath(segments);
  return given ? at(`values${rest.startsWith('[') ? '' : '.'}${rest}`) : undefined;
}

export async function validateTree(options: ValidateOptions): Promise<ValidateResult> {
  const start = performance.now();
  const problems: ValidationProblem[] = [];
  const registry = options.registry ?? new SchemaRegistry(options.source);
  const before = registry.loadMs;
  const charts = new ChartRegistry(options.source, registry.cache, registry);
  const trees = readTree(options.root, { configDir: options.configDir, relativeTo: options.relativeTo }, problems);

  const scopeOf = async (o: K8sObject): Promise<Scope> => {
    const crd = await registry.crd(String(o.apiVersion), String(o.kind));
    if (crd) return crd.scope;
    return CLUSTER_SCOPED_KINDS.has(String(o.kind)) ? 'Cluster' : 'Namespaced';
  };

  let objects = 0;
  for (const tree of trees) {
    const versions = await clusterVersions(registry, tree, options.kubernetesVersion);
    for (const r of tree.objects) {
      objects++;
      if (!options.skipSchemas) problems.push(...(await checkSchema(registry, r, versions)));
      if (r.object.kind === 'Application' && String(r.object.apiVersion).startsWith('argoproj.io/')) {
        for (const cs of chartSources(r.object)) {
          for (const p of await checkChartSource(cs, charts, versions)) {
            const config = configKeyOf(tree, r.object, p.path, p.message);
            problems.push({ file: r.file, object: objectRef(r.object), path: p.path, message: p.message, check: 'helm', ...(config ? { config } : {}) });
          }
        }
      }
    }
    if (tree.name && tree.settings) problems.push(...(await checkProjects(tree, scopeOf)));
    problems.push(...checkBaseline(tree));
    problems.push(...checkDuplicates(tree));
  }
  registry.cache.flush();
  const files = new Set(trees.flatMap((t) => t.objects.map((o) => o.file))).size;
  problems.sort((a, b) => (a.file === b.file ? a.path.localeCompare(b.path) : a.file < b.file ? -1 : 1));
  return { problems, clusters: trees, files, objects, ms: { total: performance.now() - start, schemas: registry.loadMs - before } };
}
