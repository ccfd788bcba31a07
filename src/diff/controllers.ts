/**
 * Which API groups of custom resources each chart serves (installs the CRDs of and/or runs the controller for), so
 * the diff can warn when a change removes the last Application serving a group while custom resources of it remain.
 * Facts from the pinned upstream CRDs (`crds/<chart>/<group>_<plural>.yaml`, see the upstream PROVENANCE.md):
 * karpenter v1.14.1 (`pkg/apis/crds/`), external-secrets v2.9.0 (`config/crds/bases/`), cert-manager v1.21.1
 * (`deploy/crds/`), aws-load-balancer-controller v3.5.0 (`config/crd/bases/`), argo-cd v3.5.1 (`manifests/crds/`).
 */

/** Chart name (Argo CD source `chart`, or the last segment of an `oci://` repoURL) → API groups it serves. */
export const CHART_API_GROUPS: Readonly<Record<string, readonly string[]>> = {
  karpenter: ['karpenter.sh', 'karpenter.k8s.aws'],
  'karpenter-crd': ['karpenter.sh', 'karpenter.k8s.aws'],
  'external-secrets': ['external-secrets.io'],
  'cert-manager': ['cert-manager.io', 'acme.cert-manager.io'],
  'aws-load-balancer-controller': ['elbv2.k8s.aws'],
  'argo-cd': ['argoproj.io'],
};

/**
 * What a group's controller creates at run time from the custom resources it reconciles, and which then has no one
 * to clean it up: said in the warning so a reviewer knows what is at stake.
 */
export const RUNTIME_EFFECTS: Readonly<Record<string, string>> = {
  'karpenter.sh': 'NodeClaim finalizers never run and their EC2 instances are orphaned',
  'karpenter.k8s.aws': 'NodeClaim finalizers never run and their EC2 instances are orphaned',
  'external-secrets.io': 'every ExternalSecret goes, and the Secrets it owns (creationPolicy: Owner) with it',
  'cert-manager.io': 'Certificates stop renewing, and their Secrets expire',
  'elbv2.k8s.aws': 'TargetGroupBinding finalizers never run and target groups keep stale targets',
};
