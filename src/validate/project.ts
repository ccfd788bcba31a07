/**
 * AppProject preflight: what Argo CD would refuse at sync time, found before merge. Every Application's project is
 * rendered; its source repos and destination are allowed by that project; every object in a folder an Application
 * syncs is in an allowed namespace, and every cluster-scoped kind there is on the project's whitelist.
 * Patterns follow Argo CD: `*` globs, and a leading `!` denies.
 */
import { posix } from 'node:path';
import { show } from '../../config/schema.ts';
import { isMap } from '../../config/merge.ts';
import { formatPath, objectRef, type ValidationProblem } from './problems.ts';
import { splitApiVersion } from './schemas.ts';
import type { ClusterTree, K8sObject, RenderedObject } from './tree.ts';
import { repoPath } from '../../config/naming.ts';

type Map_ = Record<string, unknown>;

export type Scope = 'Cluster' | 'Namespaced' | undefined;

export function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** Argo CD's rule: allowed when a positive pattern matches and no `!pattern` matches. */
export function allowedBy(patterns: readonly string[], value: string): boolean {
  const deny = patterns.filter((p) => p.startsWith('!')).some((p) => glob(p.slice(1), value));
  return !deny && patterns.filter((p) => !p.startsWith('!')).some((p) => glob(p, value));
}

interface Project {
  readonly name: string;
  readonly sourceRepos: string[];
  readonly destinations: Array<{ server?: string; name?: string; namespace?: string }>;
  readonly whitelist: Array<{ group: string; kind: string }>;
  readonly blacklist: Array<{ group: string; kind: string }>;
  readonly namespacedWhitelist?: Array<{ group: string; kind: string }>;
  readonly namespacedBlacklist: Array<{ group: string; kind: string }>;
}

function projectOf(o: K8sObject): Project {
  const spec = isMap(o.spec) ? o.spec : {};
  const gk = (v: unknown) => (Array.isArray(v) ? v.filter(isMap).map((e) => ({ group: String(e.group ?? ''), kind: String(e.kind ?? '') })) : []);
  return {
    name: String(o.metadata?.name),
    sourceRepos: Array.isArray(spec.sourceRepos) ? spec.sourceRepos.map(String) : [],
    destinations: Array.isArray(spec.destinations) ? (spec.destinations.filter(isMap) as Project['destinations']) : [],
    whitelist: gk(spec.clusterResourceWhitelist),
    blacklist: gk(spec.clusterResourceBlacklist),
    // Argo CD: no namespaceResourceWhitelist means every namespaced kind is allowed.
    namespacedWhitelist: Array.isArray(spec.namespaceResourceWhitelist) ? gk(spec.namespaceResourceWhitelist) : undefined,
    namespacedBlacklist: gk(spec.namespaceResourceBlacklist),
  };
}

const matchesGk = (list: Project['whitelist'], group: string, kind: string) => list.some((e) => glob(e.group, group) && glob(e.kind, kind));

function destinationAllowed(p: Project, server: string | undefined, name: string | undefined, namespace: string): boolean {
  const fits = (d: Project['destinations'][number]) =>
    ((server !== undefined && d.server !== undefined && glob(d.server.replace(/^!/, ''), server)) ||
      (name !== undefined && d.name !== undefined && glob(d.name.replace(/^!/, ''), name))) &&
    glob((d.namespace ?? '').replace(/^!/, ''), namespace);
  const denied = p.destinations.filter((d) => d.namespace?.startsWith('!') || d.server?.startsWith('!') || d.name?.startsWith('!')).some(fits);
  return !denied && p.destinations.filter((d) => !(d.namespace?.startsWith('!') || d.server?.startsWith('!') || d.name?.startsWith('!'))).some(fits);
}

function describeDestinations(p: Project): string {
  return p.destinations.map((d) => `${d.server ?? d.name}/${d.namespace}`).join(', ') || '(none)';
}

export interface SyncedFolder {
  readonly app: RenderedObject;
  readonly folder: string;
  readonly recurse: boolean;
}

function sources(app: K8sObject): Array<{ at: Array<string | number>; source: Map_ }> {
  const spec = isMap(app.spec) ? app.spec : {};
  const out: Array<{ at: Array<string | number>; source: Map_ }> = [];
  if (isMap(spec.source)) out.push({ at: ['spec', 'source'], source: spec.source });
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => isMap(s) && out.push({ at: ['spec', 'sources', i], source: s }));
  return out;
}

/** Folders of this cluster's tree that an Application syncs from this repository's dist. */
export function syncedFolders(tree: ClusterTree, apps: readonly RenderedObject[]): SyncedFolder[] {
  const s = tree.settings;
  if (!s || !tree.name) return [];
  const prefix = repoPath({ name: tree.name, gitops: s.gitops }, '');
  const out: SyncedFolder[] = [];
  for (const app of apps) {
    for (const { source } of sources(app.object)) {
      if (source.repoURL !== s.gitops.repoURL || typeof source.path !== 'string' || !source.path.startsWith(prefix)) continue;
      const recurse = isMap(source.directory) && source.directory.recurse === true;
      out.push({ app, folder: source.path.slice(prefix.length).replace(/\/+$/, ''), recurse });
    }
  }
  return out;
}

const isKind = (o: K8sObject, kind: string) => o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('argoproj.io/');

export async function checkProjects(tree: ClusterTree, scopeOf: (o: K8sObject) => Promise<Scope>): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  const add = (r: RenderedObject, path: Array<string | number>, message: string) =>
    problems.push({ file: r.file, object: objectRef(r.object), path: formatPath(path), message, check: 'project' });
  const projects = new Map(tree.objects.filter((r) => isKind(r.object, 'AppProject')).map((r) => [String(r.object.metadata?.name), projectOf(r.object)]));
  const apps = tree.objects.filter((r) => isKind(r.object, 'Application'));

  const projectFor = (app: RenderedObject): Project | undefined => {
    const name = isMap(app.object.spec) ? app.object.spec.project : undefined;
    return typeof name === 'string' ? projects.get(name) : undefined;
  };

  for (const app of apps) {
    const spec = isMap(app.object.spec) ? app.object.spec : {};
    const project = projectFor(app);
    if (!project) {
      add(app, ['spec', 'project'], `got ${show(spec.project)}, an AppProject not rendered for this cluster; allowed: ${[...projects.keys()].join(', ') || '(no AppProject rendered)'}`);
      continue;
    }
    for (const { at, source } of sources(app.object)) {
      const repo = String(source.repoURL ?? '');
      if (!allowedBy(project.sourceRepos, repo)) add(app, [...at, 'repoURL'], `got ${show(repo)}, not in AppProject ${project.name}'s sourceRepos; allowed: ${project.sourceRepos.join(', ') || '(none)'}`);
    }
    const dest = isMap(spec.destination) ? spec.destination : {};
    const ns = String(dest.namespace ?? '');
    if (!destinationAllowed(project, dest.server as string | undefined, dest.name as string | undefined, ns)) {
      add(app, ['spec', 'destination'], `got ${show(`${dest.server ?? dest.name}/${ns}`)}, not a destination of AppProject ${project.name}; allowed: ${describeDestinations(project)}`);
    }
  }

  const folders = syncedFolders(tree, apps);
  for (const r of tree.objects) {
    if (r.rel.startsWith('bootstrap/')) continue; // applied once by hand, not by Argo CD
    const dir = posix.dirname(r.rel);
    const syncs = folders.filter((f) => f.folder === dir || (f.recurse && dir.startsWith(`${f.folder}/`)));
    if (syncs.length === 0) {
      add(r, [], `no Application syncs ${dir}/ from ${tree.settings?.gitops.distPath ?? 'dist'}/${tree.name}; allowed: objects in a folder an Application's git source points at (subfolders only with directory.recurse)`);
      continue;
    }
    const o = r.object;
    const group = splitApiVersion(String(o.apiVersion ?? '')).group;
    const kind = String(o.kind ?? '');
    const scope = await scopeOf(o);
    const namespace = o.metadata?.namespace;
    if (scope === 'Cluster' && namespace !== undefined) add(r, ['metadata', 'namespace'], `got ${show(namespace)}; allowed: nothing, ${kind} is cluster-scoped`);
    if (scope === 'Namespaced' && namespace === undefined) add(r, ['metadata', 'namespace'], `missing; allowed: an explicit namespace, ${kind} is namespaced`);
    for (const { app } of syncs) {
      const project = projectFor(app);
      if (!project) continue;
      if (scope === 'Cluster') {
        if (!matchesGk(project.whitelist, group, kind) || matchesGk(project.blacklist, group, kind)) {
          add(r, ['kind'], `cluster-scoped ${kind} (group ${show(group)}) is not on AppProject ${project.name}'s clusterResourceWhitelist, so ${String(app.object.metadata?.name)} cannot sync it; allowed: ${project.whitelist.map((e) => `${e.group || '(core)'}/${e.kind}`).join(', ') || '(none)'}`);
        }
      } else if (typeof namespace === 'string') {
        const { namespacedWhitelist: allowed, namespacedBlacklist: denied } = project;
        if ((allowed && !matchesGk(allowed, group, kind)) || matchesGk(denied, group, kind)) {
          add(r, ['kind'], `${kind} (group ${show(group)}) is not allowed by AppProject ${project.name}'s namespaceResourceWhitelist/Blacklist, so ${String(app.object.metadata?.name)} cannot sync it; allowed: ${allowed?.map((e) => `${e.group || '(core)'}/${e.kind}`).join(', ') ?? 'every kind not blacklisted'}`);
        }
        const dest = isMap(app.object.spec) && isMap(app.object.spec.destination) ? app.object.spec.destination : {};
        if (!destinationAllowed(project, dest.server as string | undefined, dest.name as string | undefined, namespace)) {
          add(r, ['metadata', 'namespace'], `got ${show(namespace)}, not a destination namespace of AppProject ${project.name}; allowed: ${describeDestinations(project)}`);
        }
      }
    }
  }
  return problems;
}
