/** Small pieces several add-ons share. */

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
