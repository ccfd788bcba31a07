/** Facts about Kubernetes kinds the pipeline needs: which are cluster-scoped, which API groups are built in. */

/** Cluster-scoped kinds that the platform renders or its charts install. A namespaced kind must carry a namespace. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'CSIDriver',
  'PersistentVolume',
  'PriorityClass',
  'IngressClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'NodePool',
  'EC2NodeClass',
  'NodeClaim',
  'ClusterIssuer',
  'IngressClassParams',
  'ClusterSecretStore',
  'ClusterExternalSecret',
]);

/** API groups served by Kubernetes itself; any other group is a custom resource whose CRD must be installed first. */
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'rbac.authorization.k8s.io',
  'networking.k8s.io',
  'storage.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
]);

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export function isCustomResource(apiVersion: string): boolean {
  return !BUILT_IN_GROUPS.has(groupOf(apiVersion));
}
