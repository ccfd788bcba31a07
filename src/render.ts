/**
 * config → charts → Applications → files. Renders one cluster fully in memory; nothing here touches dist/.
 *
 * Layout of `dist/<cluster>/`:
 * - `apps/`      the AppProject and one Application per add-on; the root app-of-apps syncs this folder.
 * - `addons/<id>/` plain manifests of an add-on, synced from git by its Application.
 * - `bootstrap/` applied once by `bootstrap gitops` (with the root AppProject from `apps/`): the root Application;
 *   without a self-managed Argo CD, also the argocd-cm data for the Argo CD that syncs the cluster.
 * One file per object, named `<kind>_<namespace>_<name>.yaml` (`<kind>_<name>.yaml` when cluster-scoped);
 * Kubernetes names cannot contain `_`, so two objects never share a file.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { AddonApplication, argocdHomeServer } from '../apps/addon-application.ts';
import { PlatformProject, projectName, RootProject, rootProjectName } from '../apps/app-project.ts';
import { ApplicationHealthConfig } from '../apps/argocd-health.ts';
import { RootApplication } from '../apps/root-application.ts';
import { ArgoCdApplication, platformArgoCdValues } from '../apps/argocd-application.ts';
import { CUSTOM_RESOURCE_WAVE, type AddonContext, type AddonDefinition, type GroupKind, type PlatformAddon } from '../charts/addon.ts';
import { ADDONS } from '../charts/registry.ts';
import { awaitingFacts, type AddonConfig, type Cluster } from '../config/cluster.ts';
import { SYNC_WAVE } from '../config/labels.ts';
import { CLUSTER_SCOPED_KINDS, groupOf, isCustomResource } from './kinds.ts';
import { deepMerge, isMap } from '../config/merge.ts';
import { repoPath, SERVICE_ACCOUNTS } from '../config/naming.ts';
import { IRSA_ANNOTATION, irsaRoleArn } from '../charts/common.ts';
import { fileName, toYaml, type Manifest } from './manifest-files.ts';
import { CLUSTER_SECRET_FILE, clusterSecretFile } from '../apps/fleet.ts';
import { isFleetMember, type Fleet } from '../config/fleet.ts';
import { addReviewFiles } from './review.ts';
import { buildBootstrapTemplate, renderBootstrapTemplate } from '../bootstrap/template.ts';

export interface RenderedCluster {
  readonly name: string;
  /** File path relative to `dist/<cluster>/` → file content. Sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  readonly applications: number;
  readonly objects: number;
  /**
   * The cluster has no facts file yet, so only what needs no facts was rendered (`aws/cloudformation.json` and the
   * review files). @default false
   */
  readonly awaitingFacts?: boolean;
}

/** The cluster's CloudFormation bootstrap template, relative to `dist/<cluster>/`. */
const TEMPLATE_FILE = 'aws/cloudformation.json';

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

/**
 * What the cluster's AppProject permits: the namespaces and cluster-scoped kinds of every add-on in the registry,
 * enabled or not. Why disabled ones too: when an add-on is disabled, the root prunes its Application in the same sync
 * that updates the AppProject (wave -1, first), and the Application's resources finalizer then deletes only the live
 * objects the project still permits; the others are silently left running, and the finalizer is removed anyway
 * (argo-cd v3.x controller/appcontroller.go finalizeApplicationDeletion → getPermittedAppLiveObjects →
 * AppProject.IsLiveResourcePermitted in pkg/apis/application/v1alpha1/app_project_types.go). Keeping every known
 * add-on permitted makes disabling one delete everything it deployed. An add-on leaves the registry only after it
 * was disabled on every cluster and its deletion finished (docs/day-2.md, "Removing an add-on").
 */
class ProjectPermissions {
  readonly namespaces: string[] = [];
  readonly clusterKinds: GroupKind[] = [];

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  add(addon: AddonDefinition<any>, manifests: readonly Manifest[]): void {
    for (const m of manifests) {
      if (m.metadata.namespace) this.namespaces.push(m.metadata.namespace);
      else this.clusterKinds.push({ group: groupOf(m.apiVersion), kind: m.kind });
    }
    this.clusterKinds.push(...(addon.chartClusterKinds ?? []));
    this.namespaces.push(addon.namespace, ...(addon.extraNamespaces ?? []));
  }

  /** A disabled add-on: its manifests are rendered only to learn their namespaces and kinds (nothing is written). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  addDisabled(cluster: Cluster, addon: AddonDefinition<any>, config: AddonConfig, addons: readonly PlatformAddon[]): void {
    let manifests: Manifest[] = [];
    if (addon.manifests) {
      const scratch = new Chart(new App(), addon.id, { disableResourceNameHashes: true });
      addon.manifests(scratch, { cluster, config: { ...config, enabled: true }, settings: config.settings, addons });
      manifests = manifestsOf(scratch);
    }
    this.add(addon, manifests);
  }
}

export interface RenderOptions {
  /** The add-on registry, replaceable for tests. @default ADDONS */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  readonly addons?: readonly AddonDefinition<any>[];
  /** Fleet mode (config/fleet.yaml): a member cluster also gets its Argo CD cluster Secret template. @default none */
  readonly fleet?: Fleet;
  /**
   * Whether README.md and manifest.json (review.ts) are rendered. The diff's render child leaves them out: they are
   * derived from the other files and the diff skips them (isReviewFile), and indexing and hashing every file for
   * them was a tenth of a render. @default true
   */
  readonly reviewFiles?: boolean;
}

/**
 * Renders one cluster into its `dist/<cluster>/` files (see the module comment). A cluster awaiting its facts (no
 * facts file yet) gets only its bootstrap template and review files. Throws a RenderError naming the object when an
 * add-on renders something the layout cannot hold.
 */
export function renderCluster(cluster: Cluster, options: RenderOptions = {}): RenderedCluster {
  if (awaitingFacts(cluster)) return renderBootstrapOnly(cluster, options.reviewFiles ?? true);
  const addons = options.addons ?? ADDONS;
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

  const appsChart = new Chart(new App(), 'apps', { disableResourceNameHashes: true });
  const project = projectName(cluster);
  const chartRepos: string[] = [];
  const permitted = new ProjectPermissions();
  let applications = 0;

  for (const addon of addons) {
    const config = cluster.addons[addon.id];
    if (!config?.enabled) {
      // A disabled add-on stays permitted, so removing it is clean (see ProjectPermissions).
      if (config) permitted.addDisabled(cluster, addon, config, addons);
      continue;
    }
    const ctx: AddonContext<unknown> = { cluster, config, settings: config.settings, addons };
    const folder = `addons/${addon.id}`;

    let manifests: Manifest[] = [];
    if (addon.manifests) {
      // One App per chart: cdk8s' toJson() resolves and validates the chart's whole App, so add-on charts sharing
      // the cluster's App made each toJson() walk every chart before it (quadratic in the add-ons).
      const chart = new Chart(new App(), addon.id, { disableResourceNameHashes: true });
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
    }

    if (addon.chart) chartRepos.push(addon.chart.repoURL, ...(addon.crdChart ? [addon.crdChart.repoURL] : []));
    permitted.add(addon, manifests);

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
    applications += addon.crdChart ? 2 : 1;
  }

  new PlatformProject(appsChart, 'project', { cluster, chartRepos, namespaces: permitted.namespaces, clusterKinds: permitted.clusterKinds });
  new RootProject(appsChart, 'root-project', { cluster });
  // A cluster with its own Argo CD manages that Argo CD too (its health check included); other modes get the check below.
  const selfManaged = cluster.argocd.mode === 'in-cluster';
  if (selfManaged) new ArgoCdApplication(appsChart, 'argo-cd', { cluster, values: deepMerge(platformArgoCdValues(cluster), cluster.argocd.values) });
  for (const m of manifestsOf(appsChart)) add('apps', m);

  const bootstrapChart = new Chart(new App(), 'bootstrap', { disableResourceNameHashes: true });
  new RootApplication(bootstrapChart, 'root', { cluster, project: rootProjectName(cluster), path: repoPath(cluster, 'apps') });
  if (cluster.argocd.mode === 'eks-capability') {
    // The EKS managed Argo CD does not register its own cluster; it addresses it by ARN (EKS user guide, "Register
    // target clusters"). No credentials: the capability role's access entry authenticates it. Its health check comes
    // from the user-created argocd-cm below, which the capability reads (docs/argocd.md).
    new ApiObject(bootstrapChart, 'local-cluster', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${cluster.name}-local`, namespace: cluster.argocd.namespace, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      stringData: { name: cluster.name, server: argocdHomeServer(cluster) },
    });
  }
  if (!selfManaged) new ApplicationHealthConfig(bootstrapChart, 'health', { namespace: cluster.argocd.namespace });
  for (const m of manifestsOf(bootstrapChart)) add('bootstrap', m);

  // The member's cluster Secret template lives with the cluster, so a partial synth updates exactly it.
  if (options.fleet && isFleetMember(cluster)) files.set(CLUSTER_SECRET_FILE, clusterSecretFile(cluster, options.fleet));
  const template = buildBootstrapTemplate(cluster);
  files.set(TEMPLATE_FILE, renderBootstrapTemplate(cluster, template));
  // README.md (Applications, wave graph) and manifest.json (file index), derived from the files above; the objects
  // spare parsing the files back.
  if (options.reviewFiles ?? true) addReviewFiles(cluster, files, new Map<string, object>([...objects, [TEMPLATE_FILE, template]]));
  return { name: cluster.name, files: sorted(files), applications, objects: objects.size };
}

/** Stage one of a new cluster: the bootstrap template (needs no facts) and the review files; no Argo CD objects. */
function renderBootstrapOnly(cluster: Cluster, reviewFiles: boolean): RenderedCluster {
  const template = buildBootstrapTemplate(cluster);
  const files = new Map([[TEMPLATE_FILE, renderBootstrapTemplate(cluster, template)]]);
  if (reviewFiles) addReviewFiles(cluster, files, new Map([[TEMPLATE_FILE, template]]));
  return { name: cluster.name, files: sorted(files), applications: 0, objects: 0, awaitingFacts: true };
}

function sorted(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
