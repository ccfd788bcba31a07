/**
 * Fleet mode: one management Argo CD drives every cluster whose `argocd.mode` is `management`. Turned on by
 * `config/fleet.yaml`; then synth renders
 * - `dist/_fleet/applicationset_<ns>_<fleet>-roots.yaml`: ONE ApplicationSet whose cluster generator selects the
 *   Argo CD cluster Secrets labelled `eks-platform/fleet: <fleet>` and creates each cluster's root Application
 *   (the same Application as `dist/<cluster>/bootstrap/`, built by `rootApplicationSpec`). It holds no per-cluster
 *   data: each cluster's parameters ride on its own Secret, so adding a cluster never edits a shared file.
 * - `dist/<cluster>/bootstrap/argocd-cluster-secret.json` per member: the Argo CD cluster Secret as a template
 *   with identifiers only (endpoint, EKS cluster name, role ARN). Argo CD authenticates with its own IRSA/Pod
 *   Identity through awsAuthConfig, so no credential exists to leak; the user's setup adds the cluster CA and applies
 *   it. It is JSON, beside the YAML that Argo CD syncs, because it is applied by that setup, never synced from git.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { load, YAMLException } from 'js-yaml';
// Types only: the generated module is 3.3 MB and would add ~40 ms to every synth, fleet mode or not.
import type { ApplicationSetProps } from '../imports/argocd-applicationset-argoproj.io.ts';
import type { Cluster } from '../config/cluster.ts';
import { repoPath } from '../config/naming.ts';
import { ConfigError, type FileProblem } from '../config/load.ts';
import { obj, show, str, type Infer, type Problem } from '../config/schema.ts';
import { rootProjectName } from './app-project.ts';
import { CLUSTER_LABEL, FLEET_DIR, MANAGED_BY } from '../config/labels.ts';
import { rootApplicationName, rootApplicationSpec } from './root-application.ts';
import { fileName, toYaml, type Manifest } from '../src/manifest-files.ts';
import type { RenderedCluster } from '../src/render.ts';

/** Output folder of the fleet's shared objects, beside the cluster folders (cluster names start with a letter). */
export { FLEET_DIR };
/** Where a member cluster's Secret template goes, relative to `dist/<cluster>/`. */
export const CLUSTER_SECRET_FILE = 'bootstrap/argocd-cluster-secret.json';

export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const FLEET_LABEL = 'eks-platform/fleet';
export const ENVIRONMENT_LABEL = 'eks-platform/environment';
export const REGION_LABEL = 'eks-platform/region';

/** Per-cluster parameters the ApplicationSet reads from each cluster Secret's annotations. */
export const PARAMS = {
  rootName: 'eks-platform/root-application',
  project: 'eks-platform/project',
  repoURL: 'eks-platform/repo-url',
  targetRevision: 'eks-platform/target-revision',
  path: 'eks-platform/apps-path',
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const fleetSchema = obj({
  /** Names the ApplicationSet (`<name>-roots`) and the `eks-platform/fleet` label its generator selects. @default "platform" */
  name: str({ pattern: /^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/, patternText: 'a lowercase DNS label of at most 42 characters', default: 'platform' }),
  /** Namespace of the management Argo CD; every member's `argocd.namespace` must equal it. @default "argocd" */
  namespace: str({ pattern: DNS_LABEL, patternText: 'a namespace name', default: 'argocd' }),
});

export type FleetSettings = Infer<typeof fleetSchema>;

export interface Fleet extends FleetSettings {
  /** The file it was read from, as messages show it (relative to the working directory, or to `relativeTo`). */
  readonly file: string;
  /** The file relative to the config folder's parent (`config/fleet.yaml`), for the rendered header: the same from any directory. */
  readonly source: string;
}

export interface LoadFleetOptions {
  /** Folder holding `fleet.yaml` (the config folder). */
  readonly configDir: string;
  /** Paths in messages are relative to this folder. @default process.cwd() */
  readonly relativeTo?: string;
}

/** Reads `<configDir>/fleet.yaml`; `undefined` when there is none (fleet mode off). Throws ConfigError on problems. */
export function loadFleet(options: LoadFleetOptions): Fleet | undefined {
  const path = join(options.configDir, 'fleet.yaml');
  if (!existsSync(path)) return undefined;
  const file = relative(options.relativeTo ?? process.cwd(), path) || path;
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    // An empty (or comments-only) file turns fleet mode on with every default; js-yaml 5 rejects empty input.
    raw = text.replace(/^\s*#.*$/gm, '').trim() === '' ? {} : load(text, { filename: file });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const at = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
    throw new ConfigError([{ file, path: '(file)', message: `malformed YAML${at}: ${err.reason}` }]);
  }
  const problems: Problem[] = [];
  const settings = fleetSchema.check(raw ?? {}, '', problems);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ ...p, file })));
  return { ...settings, file, source: relative(dirname(resolve(options.configDir)), path).split(sep).join('/') };
}

/** Clusters the management Argo CD drives; in-cluster ones run their own Argo CD and keep their hand-applied root. */
export function isFleetMember(cluster: Cluster): boolean {
  return cluster.argocd.mode === 'management';
}

/**
 * Checks that cannot be made per file. `complete` says whether `clusters` is every cluster (a full synth), so that
 * "no member at all" is only reported when it is true.
 */
export function fleetProblems(fleet: Fleet, clusters: readonly Cluster[], complete: boolean): FileProblem[] {
  const problems: FileProblem[] = [];
  for (const cluster of clusters.filter(isFleetMember)) {
    if (cluster.argocd.namespace !== fleet.namespace) {
      problems.push({
        file: cluster.files.config,
        path: 'argocd.namespace',
        message: `got ${show(cluster.argocd.namespace)}; allowed: ${show(fleet.namespace)}, the management Argo CD's namespace in ${fleet.file} (the ApplicationSet creates every root there)`,
      });
    }
  }
  if (complete && !clusters.some(isFleetMember)) {
    problems.push({
      file: fleet.file,
      path: '(file)',
      message: `no cluster has argocd.mode "management" (got ${clusters.map((c) => `${c.name}: ${show(c.argocd.mode)}`).join(', ')}); allowed: at least one member, or delete ${fleet.file} to turn fleet mode off`,
    });
  }
  return problems;
}

/** The Argo CD cluster Secret of a member, as a template: identifiers and ApplicationSet parameters, no credentials. */
export function clusterSecretTemplate(cluster: Cluster, fleet: FleetSettings): Record<string, unknown> {
  const config = {
    // argocd-k8s-auth gets a token with Argo CD's own AWS identity (IRSA/Pod Identity), assuming roleARN if set.
    awsAuthConfig: { clusterName: cluster.name, ...(cluster.argocd.roleArn ? { roleARN: cluster.argocd.roleArn } : {}) },
    // caData (the cluster's public CA, `aws eks describe-cluster`) is added by the setup that applies this file.
    tlsClientConfig: { insecure: false },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cluster-${cluster.name}`,
      namespace: fleet.namespace,
      labels: {
        [SECRET_TYPE_LABEL]: 'cluster',
        ...MANAGED_BY,
        [FLEET_LABEL]: fleet.name,
        [CLUSTER_LABEL]: cluster.name,
        [ENVIRONMENT_LABEL]: cluster.environment,
        [REGION_LABEL]: cluster.aws.region,
      },
      annotations: {
        [PARAMS.rootName]: rootApplicationName(cluster),
        [PARAMS.project]: rootProjectName(cluster),
        [PARAMS.repoURL]: cluster.gitops.repoURL,
        [PARAMS.targetRevision]: cluster.gitops.targetRevision,
        [PARAMS.path]: repoPath(cluster, 'apps'),
      },
    },
    type: 'Opaque',
    stringData: { name: cluster.name, server: cluster.facts.clusterEndpoint!, config: JSON.stringify(config) },
  };
}

/** A Go-template expression reading one of the cluster Secret's annotations (missingkey=error makes a gap fail loudly). */
const param = (key: string) => `{{ index .metadata.annotations "${key}" }}`;

export interface FleetApplicationSetProps {
  readonly fleet: FleetSettings;
}

/** The ApplicationSet's props, typed by the generated construct's interface (cdk8s prop names, e.g. `repoUrl`). */
export function fleetApplicationSetProps(fleet: FleetSettings): ApplicationSetProps {
  const root = rootApplicationSpec({
    name: param(PARAMS.rootName),
    cluster: `{{ index .metadata.labels "${CLUSTER_LABEL}" }}`,
    namespace: fleet.namespace,
    project: param(PARAMS.project),
    repoURL: param(PARAMS.repoURL),
    targetRevision: param(PARAMS.targetRevision),
    path: param(PARAMS.path),
  });
  return {
    metadata: {
      name: `${fleet.name}-roots`,
      namespace: fleet.namespace,
      labels: { ...MANAGED_BY, [FLEET_LABEL]: fleet.name },
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ clusters: { selector: { matchLabels: { [FLEET_LABEL]: fleet.name, ...MANAGED_BY } } } }],
      // Like the hand-applied root: removing a root (or this ApplicationSet) never cascades into the platform.
      syncPolicy: { preserveResourcesOnDeletion: true },
      template: root,
    },
  };
}

/** cdk8s import renames these CRD keys in the props; the generated toJson maps them back, and so does this. */
const CRD_KEYS: Readonly<Record<string, string>> = { repoUrl: 'repoURL' };

function crdKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(crdKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [CRD_KEYS[k] ?? k, crdKeys(v)]));
}

/** The ApplicationSet that creates every member's root Application from its cluster Secret. */
export class FleetApplicationSet extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: FleetApplicationSetProps) {
    super(scope, id);
    const { metadata, spec } = fleetApplicationSetProps(props.fleet);
    this.apiObject = new ApiObject(this, 'Resource', { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata, spec: crdKeys(spec) });
  }
}

/**
 * Renders the fleet's shared folder, in the pipeline's file format (one object per file, same header), named
 * `FLEET_DIR` so it is written (and kept from pruning) like a cluster folder.
 */
export function renderFleet(fleet: Fleet): RenderedCluster {
  const chart = new Chart(new App(), FLEET_DIR, { disableResourceNameHashes: true });
  new FleetApplicationSet(chart, 'roots', { fleet });
  const files = new Map<string, string>();
  for (const m of chart.toJson() as Manifest[]) files.set(fileName(m), toYaml(m, fleet.source));
  return { name: FLEET_DIR, files, applications: 0, objects: files.size };
}

/** The Secret template file of a member, stable key order, trailing newline (like aws/cloudformation.json). */
export function clusterSecretFile(cluster: Cluster, fleet: FleetSettings): string {
  return `${JSON.stringify(clusterSecretTemplate(cluster, fleet), null, 2)}\n`;
}
