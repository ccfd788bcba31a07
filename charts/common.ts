/** Small pieces several add-ons share. */
import type { Cluster } from '../config/cluster.ts';
import { roleArn, SERVICE_ACCOUNTS, type Controller } from '../config/naming.ts';
import { show, type Problem } from '../config/schema.ts';
import { isMap } from '../config/merge.ts';

/** Spread replicas across zones (best effort, so a single-zone outage or a small cluster never blocks scheduling). */
export function zoneSpread(matchLabels: Record<string, string>): Record<string, unknown>[] {
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels },
    },
  ];
}

/** Container security context of the restricted Pod Security Standard. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** Cluster-scoped kinds that charts install, for an add-on's `chartClusterKinds` (the AppProject whitelist). */
export const CLUSTER_RBAC = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
] as const;
export const CRD = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' } as const;
export const MUTATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' } as const;
export const VALIDATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' } as const;

/** A controller's IAM role: the facts' ARN when the bootstrap used another name, else the naming convention. */
export function irsaRoleArn(cluster: Pick<Cluster, 'name' | 'aws' | 'facts'>, controller: Controller): string {
  return cluster.facts.roleArns[controller] ?? roleArn(cluster, controller);
}

/**
 * The Helm `serviceAccount` block of a controller: created by the chart, named as the bootstrap's IRSA trust policy
 * expects (SERVICE_ACCOUNTS), annotated with its role. The pipeline re-checks the name after the user's values merge.
 */
export function irsaServiceAccount(cluster: Pick<Cluster, 'name' | 'aws' | 'facts'>, controller: Controller): Record<string, unknown> {
  return { create: true, name: SERVICE_ACCOUNTS[controller].name, annotations: { [IRSA_ANNOTATION]: irsaRoleArn(cluster, controller) } };
}

export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/**
 * Argo CD sync options for an object that must outlive its Application (a CRD, a workload Namespace): never deleted
 * with it, never pruned when it leaves the rendered output. For a CRD: so the custom resources of that kind (NodePools, ExternalSecrets, Certificates…) survive an add-on's removal
 * or a partly committed change. Argo CD reads the annotation per object (gitops-engine pkg/sync/common/types.go,
 * SyncOptionDelete/SyncOptionPrune; controller/appcontroller.go shouldBeDeleted; argo-cd v3.x).
 */
export const KEEP_ANNOTATIONS = { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' } as const;

/** A Helm value the add-on relies on: `path` under the chart's values, the only `allowed` value, and why. */
export interface RequiredValue {
  readonly path: readonly string[];
  readonly allowed: unknown;
  readonly why: string;
}

/**
 * Problems for the user's `values` overrides (`addons.<id>.values`) that set a required value to anything else;
 * leaving the key out is always fine (the add-on sets it). Paths in problems start at the cluster file's root.
 */
export function requiredValueProblems(addonId: string, values: Record<string, unknown>, required: readonly RequiredValue[]): Problem[] {
  const problems: Problem[] = [];
  for (const { path, allowed, why } of required) {
    const got = path.reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), values);
    if (got === undefined || JSON.stringify(got) === JSON.stringify(allowed)) continue;
    problems.push({
      path: `addons.${addonId}.values.${path.join('.')}`,
      message: `got ${show(got)} (${Array.isArray(got) ? 'a list' : got === null ? 'null' : typeof got}); allowed: ${show(allowed)} (or leave it out): ${why}`,
    });
  }
  return problems;
}
