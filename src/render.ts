/**
 * config → charts → Applications → files. Renders one cluster fully in memory; nothing here touches dist/.
 *
 * Layout of `dist/<cluster>/`:
 * - `apps/`      the AppProject and one Application per add-on; the root app-of-apps syncs this folder.
 * - `addons/<id>/` plain manifests of an add-on, synced from git by its Application.
 * - `bootstrap/` applied once by hand: the root Application and the argocd-cm health check.
 * One file per object, named `<kind>_<namespace>_<name>.yaml` (`<kind>_<name>.yaml` when cluster-scoped);
 * Kubernetes names cannot contain `_`, so two objects never share a file.
 */
import { App, Chart } from 'cdk8s';
import { AddonApplication } from '../apps/addon-application.ts';
import { PlatformProject, projectName, RootProject, rootProjectName } from '../apps/app-project.ts';
import { ApplicationHealthConfig } from '../apps/argocd-health.ts';
import { RootApplication } from '../apps/root-application.ts';
import { CUSTOM_RESOURCE_WAVE, type AddonContext, type AddonDefinition, type GroupKind } from '../charts/addon.ts';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { SYNC_WAVE } from '../apps/labels.ts';
import { CLUSTER_SCOPED_KINDS, groupOf, isCustomResource } from './kinds.ts';
import { deepMerge, isMap } from './merge.ts';
import { repoPath, SERVICE_ACCOUNTS } from '../config/naming.ts';
import { IRSA_ANNOTATION, irsaRoleArn } from '../charts/common.ts';
import { fileName, toYaml, type Manifest } from './manifest-files.ts';
import { CLUSTER_SECRET_FILE, clusterSecretFile, isFleetMember, type Fleet } from '../apps/fleet.ts';
import { addReviewFiles } from './review.ts';
import { renderBootstrapTemplate } from '../bootstrap/template.ts';

export interface RenderedCluster {
  readonly name: string;
  /** File path relative to `dist/<cluster>/` → file content. Sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  readonly applications: number;
  readonly objects: number;
}

/** Thrown when a construct renders something the pipeline cannot place; names the cluster and the object. */
export class RenderError extends Error {
  constructor(cluster: string, message: string) {
    super(`cluster ${cluster}: ${message}`);
    this.name = 'RenderError';
  }
}

function manifestsOf(chart: Chart): Manifest[] {
  return chart.toJson() as Manifest[];
}

/**
 * The bootstrap's IAM role trusts exactly one service account per controller; a values override that renames it,
 * stops the chart from creating it, or moves the add-on would break AWS access at run time, so it fails here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
function checkIrsa(cluster: Cluster, addon: AddonDefinition<any>, values: Record<string, unknown>): void {
  const { controller, valuesPath } = addon.irsa!;
  const expected = SERVICE_ACCOUNTS[controller];
  const sa = valuesPath.reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), values);
  const at = `addons.${addon.id}.values.${valuesPath.join('.')}`;
  const fail = (path: string, got: unknown, allowed: string) =>
    new RenderError(cluster.name, `${cluster.files.config}: ${path}: got ${JSON.stringify(got)}; allowed: ${allowed}`);
  if (addon.namespace !== expected.namespace) throw fail(`addons.${addon.id}`, addon.namespace, `namespace "${expected.namespace}", the one the ${controller} IAM role trusts`);
  if (!isMap(sa) || sa.name !== expected.name) throw fail(`${at}.name`, isMap(sa) ? sa.name : sa, `"${expected.name}", the service account the ${controller} IAM role trusts`);
  if (sa.create !== true) throw fail(`${at}.create`, sa.create, 'true: the chart must create the annotated service account');
  const annotations = isMap(sa.annotations) ? sa.annotations : {};
  if (annotations[IRSA_ANNOTATION] !== irsaRoleArn(cluster, controller)) {
    throw fail(`${at}.annotations.${IRSA_ANNOTATION}`, annotations[IRSA_ANNOTATION], `"${irsaRoleArn(cluster, controller)}" (naming convention, or roleArns.${controller} in the facts)`);
  }
}

export interface RenderOptions {
  /** The add-on registry, replaceable for tests. @default ADDONS */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  readonly addons?: readonly AddonDefinition<any>[];
  /** Fleet mode (config/fleet.yaml): a member cluster also gets its Argo CD cluster Secret template. @default none */
  readonly fleet?: Fleet;
}

export function renderCluster(cluster: Cluster, options: RenderOptions = {}): RenderedCluster {
  const addons = options.addons ?? ADDONS;
  const app = new App();
  const files = new Map<string, string>();
  const objects = new Map<string, Manifest>();
  const source = cluster.files.source;
  const add = (folder: string, m: Manifest) => {
    if (!m.metadata?.name) throw new RenderError(cluster.name, `${folder}: a ${m.kind} has no metadata.name`);
    const scoped = CLUSTER_SCOPED_KINDS.has(m.kind);
    if (scoped && m.metadata.namespace) throw new RenderError(cluster.name, `${folder}: ${m.kind} ${m.metadata.name} is cluster-scoped but has namespace ${m.metadata.namespace}`);
    if (!scoped && !m.metadata.namespace) throw new RenderError(cluster.name, `${folder}: ${m.kind} ${m.metadata.name} needs an explicit metadata.namespace`);
    const path = `${folder}/${fileName(m)}`;
    if (files.has(path)) throw new RenderError(cluster.name, `two objects render to ${path} (${m.kind} ${m.metadata.name})`);
    files.set(path, toYaml(m, source));
    objects.set(path, m);
  };

  const appsChart = new Chart(app, 'apps', { disableResourceNameHashes: true });
  const project = projectName(cluster);
  const chartRepos: string[] = [];
  const namespaces: string[] = [];
  const clusterKinds: GroupKind[] = [];
  let applications = 0;

  for (const addon of addons) {
    const config = cluster.addons[addon.id];
    if (!config?.enabled) continue;
    const ctx: AddonContext<unknown> = { cluster, config, settings: config.settings };
    const folder = `addons/${addon.id}`;

    let manifests: Manifest[] = [];
    if (addon.manifests) {
      const chart = new Chart(app, addon.id, { disableResourceNameHashes: true });
      addon.manifests(chart, ctx);
      manifests = manifestsOf(chart);
    }
    const hasCustomResources = manifests.some((m) => isCustomResource(m.apiVersion));
    for (const m of manifests) {
      // In a multi-source Application the custom resources wait for the chart (which brings their CRDs and webhooks).
      if (addon.chart && isCustomResource(m.apiVersion) && !m.metadata.annotations?.[SYNC_WAVE]) {
        m.metadata.annotations = { ...m.metadata.annotations, [SYNC_WAVE]: CUSTOM_RESOURCE_WAVE };
      }
      add(folder, m);
      if (m.metadata.namespace) namespaces.push(m.metadata.namespace);
      else clusterKinds.push({ group: groupOf(m.apiVersion), kind: m.kind });
    }

    if (addon.chart) chartRepos.push(addon.chart.repoURL, ...(addon.crdChart ? [addon.crdChart.repoURL] : []));
    clusterKinds.push(...(addon.chartClusterKinds ?? []));
    namespaces.push(addon.namespace, ...(addon.extraNamespaces ?? []));

    const values = addon.chart ? deepMerge(addon.values?.(ctx) ?? {}, config.values) : undefined;
    if (addon.irsa && values) checkIrsa(cluster, addon, values);
    new AddonApplication(appsChart, addon.id, {
      cluster,
      addon,
      project,
      values,
      version: config.version,
      manifestsPath: manifests.length > 0 ? repoPath(cluster, folder) : undefined,
      hasCustomResources,
      ignoreDifferences: addon.ignoreDifferences?.(ctx),
    });
    applications++;
  }

  new PlatformProject(appsChart, 'project', { cluster, chartRepos, namespaces, clusterKinds });
  new RootProject(appsChart, 'root-project', { cluster });
  for (const m of manifestsOf(appsChart)) add('apps', m);

  const bootstrapChart = new Chart(app, 'bootstrap', { disableResourceNameHashes: true });
  new RootApplication(bootstrapChart, 'root', { cluster, project: rootProjectName(cluster), path: repoPath(cluster, 'apps') });
  new ApplicationHealthConfig(bootstrapChart, 'health', { namespace: cluster.argocd.namespace });
  for (const m of manifestsOf(bootstrapChart)) add('bootstrap', m);

  // The member's cluster Secret template lives with the cluster, so a partial synth updates exactly it.
  if (options.fleet && isFleetMember(cluster)) files.set(CLUSTER_SECRET_FILE, clusterSecretFile(cluster, options.fleet));
  files.set('aws/cloudformation.json', renderBootstrapTemplate(cluster));
  // README.md (Applications, wave graph) and manifest.json (file index), derived from the files above.
  addReviewFiles(cluster, files, objects);
  const sortedFiles = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { name: cluster.name, files: sortedFiles, applications, objects: objects.size };
}
