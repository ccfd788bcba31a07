/**
 * Fleet mode's Argo CD objects: one management Argo CD drives every cluster whose `argocd.mode` is `management`.
 * Turned on by `config/fleet.yaml` (read by config/fleet.ts); then synth renders (src/fleet.ts, src/render.ts)
 * - `dist/_fleet/applicationset_<ns>_<fleet>-roots.yaml`: ONE ApplicationSet whose cluster generator selects the
 *   Argo CD cluster Secrets labelled `eks-platform/fleet: <fleet>` and creates each cluster's root Application
 *   (the same Application as `dist/<cluster>/bootstrap/`, built by `rootApplicationSpec`). It holds no per-cluster
 *   data: each cluster's parameters ride on its own Secret, so adding a cluster never edits a shared file.
 * - `dist/<cluster>/bootstrap/argocd-cluster-secret.json` per member: the Argo CD cluster Secret as a template
 *   with identifiers only (endpoint, EKS cluster name, role ARN). Argo CD authenticates with its own IRSA/Pod
 *   Identity through awsAuthConfig, so no credential exists to leak; the user's setup adds the cluster CA and applies
 *   it. It is JSON, beside the YAML that Argo CD syncs, because it is applied by that setup, never synced from git.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
// Types only: the generated module is 3.3 MB and would add ~40 ms to every synth, fleet mode or not.
import type { ApplicationSetProps } from '../imports/argocd-applicationset-argoproj.io.ts';
import type { Cluster } from '../config/cluster.ts';
import type { FleetSettings } from '../config/fleet.ts';
import { repoPath } from '../config/naming.ts';
import { rootProjectName } from './app-project.ts';
import { CLUSTER_LABEL, MANAGED_BY } from '../config/labels.ts';
import { rootApplicationName, rootApplicationSpec } from './root-application.ts';

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

/** The Secret template file of a member, stable key order, trailing newline (like aws/cloudformation.json). */
export function clusterSecretFile(cluster: Cluster, fleet: FleetSettings): string {
  return `${JSON.stringify(clusterSecretTemplate(cluster, fleet), null, 2)}\n`;
}
