/**
 * Argo CD itself, for a cluster that runs its own (`argocd.mode: in-cluster`): the argo-cd chart 10.1.1 (Argo CD
 * v3.4.4) from https://argoproj.github.io/argo-helm (../shared/upstream/PROVENANCE.md; values checked against its
 * values.yaml, which has no values.schema.json). Not an add-on (charts/addon.ts): it lives in its own AppProject,
 * exists only in one Argo CD mode, and is installed once by `bootstrap gitops` before anything syncs; so it is
 * rendered by apps/argocd-application.ts, and this file holds only the chart and its values.
 */
import type { GroupKind, HelmChartRef } from '../addon.ts';

/** The pinned argo-cd chart (argoproj/argo-helm tag argo-cd-10.1.1). */
export const ARGO_CD_CHART: HelmChartRef = { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1' };

/**
 * Cluster-scoped kinds the chart installs with the values below: its CRDs (Application, AppProject,
 * ApplicationSet) and the ClusterRoles/ClusterRoleBindings of the application controller, API server and
 * ApplicationSet controller (argo-helm charts/argo-cd/templates, 10.1.1; `createAggregateRoles` stays false).
 */
export const ARGO_CD_CLUSTER_KINDS: readonly GroupKind[] = [
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];

export interface ArgoCdProps {
  /**
   * Two replicas of the API server, repo server and ApplicationSet controller, each with a PodDisruptionBudget.
   * The application controller stays at one replica either way: replicas shard clusters, and this Argo CD manages
   * one cluster, so a second replica would sit idle. @default false
   */
  readonly ha?: boolean;
  /** argocd-cm keys the platform needs: the Application health check and diff options (apps/argocd-health.ts). @default {} */
  readonly cm?: Readonly<Record<string, string>>;
}

/** Container requests sized so that request + Fargate's 256Mi lands exactly on a Fargate size (no rounding waste). */
function fargate(cpu: string, memory: string): Record<string, unknown> {
  // The memory limit equals the request: Fargate bills the request, and a pod over it should restart, not swap.
  return { requests: { cpu, memory }, limits: { memory } };
}

/** 0.25 vCPU / 0.5 GB, Fargate's smallest size. */
const SMALL = fargate('250m', '256Mi');
/** 0.5 vCPU / 1 GB. */
const MEDIUM = fargate('500m', '768Mi');
/** 1 vCPU / 2 GB. */
const LARGE = fargate('1', '1792Mi');

/**
 * Helm values of the self-managed Argo CD (keys from the chart's values.yaml, 10.1.1). Everything the platform
 * used to apply by hand is here: `cm` (the Application health check, diff options) in `configs.cm`, so the chart owns argocd-cm and
 * nothing conflicts with it. Its pods run on Fargate (the bootstrap's Fargate profile selects Argo CD's namespace,
 * so they schedule before any node exists): requests are Fargate sizes, and the components nothing configures
 * (Dex without a connector, notifications without triggers) are off, since each pod is a billed Fargate task.
 * Redis stays a single pod in HA too: Argo CD uses it only as a cache that it rebuilds when lost
 * (argo-cd docs/operator-manual/high_availability.md), while redis-ha would add three Redis/Sentinel and three
 * HAProxy Fargate pods, and its subchart's values are not pinned for validation.
 */
export function argoCdValues(props: ArgoCdProps = {}): Record<string, unknown> {
  const ha = props.ha ?? false;
  const replicas = ha ? 2 : 1;
  const pdb = { enabled: ha, ...(ha ? { minAvailable: 1 } : {}) };
  return {
    // Deleting Argo CD's CRDs deletes every Application. `keep` (helm.sh/resource-policy: keep) protects them from
    // `helm uninstall` and, in Argo CD ≥ 2.8, from deleting this Application (argoproj/argo-cd#13157), but not from
    // pruning (argoproj/argo-cd#17819): Prune=false does that. ServerSideApply=true is the chart's own default.
    crds: { install: true, keep: true, annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false' } },
    configs: {
      cm: { ...props.cm },
    },
    controller: { replicas: 1, resources: ha ? LARGE : MEDIUM },
    server: { replicas, pdb, resources: SMALL },
    repoServer: { replicas, pdb, resources: ha ? LARGE : MEDIUM },
    applicationSet: { replicas, pdb, resources: SMALL },
    redis: { resources: SMALL },
    redisSecretInit: { resources: SMALL },
    'redis-ha': { enabled: false },
    dex: { enabled: false },
    notifications: { enabled: false },
  };
}
