/**
 * Disabling an add-on removes everything it deployed. Argo CD's resources finalizer deletes only the live objects the
 * AppProject permits at deletion time (argo-cd v3.x controller/appcontroller.go finalizeApplicationDeletion →
 * getPermittedAppLiveObjects), and the root updates the AppProject (wave -1) in the same sync that prunes the
 * Application. So the project rendered *after* the removal must still permit every object of the removed add-on.
 */
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { renderCluster, type RenderedCluster } from '../src/render.ts';
import { exampleCluster, globMatch } from './helpers.ts';

interface GroupKind {
  group: string;
  kind: string;
}
interface LiveObject extends GroupKind {
  name: string;
  /** '' when cluster-scoped. */
  namespace: string;
}
interface ProjectSpec {
  destinations: { server: string; namespace: string }[];
  clusterResourceWhitelist?: GroupKind[];
  clusterResourceBlacklist?: GroupKind[];
  namespaceResourceWhitelist?: GroupKind[];
  namespaceResourceBlacklist?: GroupKind[];
}

const inList = (o: GroupKind, list: GroupKind[] | undefined) => (list ?? []).some((r) => globMatch(r.group, o.group) && globMatch(r.kind, o.kind));

/**
 * AppProject.IsLiveResourcePermitted (pkg/apis/application/v1alpha1/app_project_types.go, argo-cd v3.x):
 * IsGroupKindNamePermitted (namespaced: a nil whitelist allows all; cluster-scoped: must be whitelisted), then for
 * namespaced objects IsDestinationPermitted against the destination server.
 */
function isLiveResourcePermitted(project: ProjectSpec, o: LiveObject, server: string): boolean {
  const namespaced = o.namespace !== '';
  const kindOk = namespaced
    ? (project.namespaceResourceWhitelist === undefined || inList(o, project.namespaceResourceWhitelist)) && !inList(o, project.namespaceResourceBlacklist)
    : inList(o, project.clusterResourceWhitelist) && !inList(o, project.clusterResourceBlacklist);
  if (!kindOk) return false;
  return !namespaced || project.destinations.some((d) => globMatch(d.server, server) && globMatch(d.namespace, o.namespace));
}

const doc = (rendered: RenderedCluster, path: string) => load(rendered.files.get(path)!) as Record<string, any>;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/**
 * What an add-on leaves live on the cluster, from the rendered output: its git manifests, and for its chart a
 * workload in the destination namespace, a Role in each extra namespace and one object of each chart cluster kind.
 */
function liveObjectsOf(rendered: RenderedCluster, addonId: string): LiveObject[] {
  const addon = ADDONS.find((a) => a.id === addonId)!;
  const objects: LiveObject[] = [...rendered.files.keys()]
    .filter((p) => p.startsWith(`addons/${addonId}/`))
    .map((p) => doc(rendered, p))
    .map((m) => ({ group: groupOf(m.apiVersion), kind: m.kind, name: m.metadata.name, namespace: m.metadata.namespace ?? '' }));
  if (addon.chart) {
    objects.push({ group: 'apps', kind: 'Deployment', name: addonId, namespace: addon.namespace });
    for (const ns of addon.extraNamespaces ?? []) objects.push({ group: 'rbac.authorization.k8s.io', kind: 'Role', name: addonId, namespace: ns });
    for (const k of addon.chartClusterKinds ?? []) objects.push({ ...k, name: addonId, namespace: '' });
  }
  return objects;
}

function withAddon(cluster: Cluster, id: string, enabled: boolean): Cluster {
  return { ...cluster, addons: { ...cluster.addons, [id]: { ...cluster.addons[id], enabled } } };
}

describe('removing an add-on', () => {
  const before = exampleCluster('dev');
  const all = renderCluster(before);
  const project = (r: RenderedCluster) => doc(r, `apps/appproject_argocd_${before.name}-platform.yaml`).spec as ProjectSpec;

  it.each(ADDONS.map((a) => a.id))('%s: the AppProject rendered without it still permits every object it deployed', (id) => {
    const live = liveObjectsOf(all, id);
    expect(live.length).toBeGreaterThan(0);
    const app = doc(all, `apps/application_argocd_${before.name}-${id}.yaml`);
    const after = renderCluster(withAddon(before, id, false));
    expect(after.files.has(`apps/application_argocd_${before.name}-${id}.yaml`)).toBe(false);
    const orphaned = live.filter((o) => !isLiveResourcePermitted(project(after), o, app.spec.destination.server));
    expect(orphaned).toEqual([]);
  });

  it('never permits Argo CD’s own namespace, with every add-on disabled too', () => {
    const none = { ...before, addons: Object.fromEntries(Object.entries(before.addons).map(([k, v]) => [k, { ...v, enabled: false }])) };
    const spec = project(renderCluster(none));
    expect(spec.destinations.map((d) => d.namespace)).not.toContain(before.argocd.namespace);
    expect(spec.destinations.map((d) => d.namespace)).toEqual(project(all).destinations.map((d) => d.namespace));
    expect(spec.clusterResourceWhitelist).toEqual(project(all).clusterResourceWhitelist);
  });
});
