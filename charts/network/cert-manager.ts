/**
 * cert-manager: issues and renews TLS certificates. Two ClusterIssuers for Let's Encrypt (staging to try, production
 * to serve) solve ACME DNS-01 challenges in the cluster's Route 53 hosted zone with the controller's IRSA role, so
 * certificates work for internal hosts and wildcards too.
 * Chart: cert-manager v1.21.1 from oci://quay.io/jetstack/charts/cert-manager (values checked against its
 * values.schema.json). The issuers are custom resources: they sync in a later resource-level wave than the chart.
 */
import type { Chart } from 'cdk8s';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io.ts';
import { int, optional, str } from '../../config/schema.ts';
import { SERVICE_ACCOUNTS } from '../../config/naming.ts';
import type { Cluster } from '../../config/cluster.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, CRD, irsaServiceAccount, MUTATING_WEBHOOK, requiredValueProblems, RESTRICTED_CONTAINER, VALIDATING_WEBHOOK, zoneSpread } from '../common.ts';

/** cert-manager's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface CertManagerProps {
  /** ACME account contact (Let's Encrypt no longer mails expiry notices, but uses it for account and policy notices). @default none */
  readonly email?: string;
  /** Replicas of the controller, webhook and cainjector; with 2 or more each gets a PodDisruptionBudget. */
  readonly replicas: number;
}

const NAME = 'cert-manager';
const SA = SERVICE_ACCOUNTS['cert-manager'];

/** Let's Encrypt ACME directories by issuer name. */
export const ISSUERS = {
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
  'letsencrypt-production': 'https://acme-v02.api.letsencrypt.org/directory',
} as const;

export function certManagerValues(cluster: Cluster, props: CertManagerProps): Record<string, unknown> {
  const { replicas } = props;
  const pdb = { enabled: replicas > 1, minAvailable: 1 };
  const spread = (component: string) => zoneSpread({ 'app.kubernetes.io/instance': NAME, 'app.kubernetes.io/component': component });
  const container = { ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'] } };
  return {
    // The chart's current key; `installCRDs` is deprecated. `keep` annotates the CRDs `helm.sh/resource-policy: keep`,
    // which Argo CD also honours: it never deletes them with the Application (controller/appcontroller.go
    // shouldBeDeleted), so every Certificate survives the add-on's removal. The chart has no other CRD annotations.
    crds: { enabled: true, keep: true },
    global: {
      // Default is kube-system; keeping the lease (and its Role) in cert-manager's own namespace.
      leaderElection: { namespace: SA.namespace },
    },
    replicaCount: replicas,
    podDisruptionBudget: pdb,
    serviceAccount: irsaServiceAccount(cluster, 'cert-manager'),
    // fsGroup makes the projected IRSA token group-readable for the non-root controller.
    securityContext: { runAsNonRoot: true, fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } },
    containerSecurityContext: container,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    topologySpreadConstraints: spread('controller'),
    webhook: {
      replicaCount: replicas,
      podDisruptionBudget: pdb,
      containerSecurityContext: container,
      resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      topologySpreadConstraints: spread('webhook'),
    },
    cainjector: {
      replicaCount: replicas,
      podDisruptionBudget: pdb,
      containerSecurityContext: container,
      // It caches the Secrets it injects from, so it needs more memory than the webhook.
      resources: { requests: { cpu: '20m', memory: '128Mi' }, limits: { cpu: '200m', memory: '512Mi' } },
      topologySpreadConstraints: spread('cainjector'),
    },
    startupapicheck: {
      containerSecurityContext: container,
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    },
  };
}

/** Let's Encrypt staging and production ClusterIssuers, DNS-01 through the cluster's Route 53 hosted zone. */
export function renderClusterIssuers(scope: Chart, cluster: Cluster, props: Pick<CertManagerProps, 'email'>): void {
  for (const [name, server] of Object.entries(ISSUERS)) {
    new ClusterIssuer(scope, name, {
      metadata: { name, labels: { 'app.kubernetes.io/part-of': 'eks-platform' } },
      spec: {
        acme: {
          server,
          ...(props.email ? { email: props.email } : {}),
          privateKeySecretRef: { name: `${name}-account-key` },
          solvers: [
            {
              // Only names in the cluster's zone; the IAM role may change records in that hosted zone only.
              selector: { dnsZones: [cluster.dns.domain] },
              // No credentials: ClusterIssuers use the controller's ambient credentials, here its IRSA role.
              dns01: { route53: { region: cluster.aws.region, hostedZoneId: cluster.dns.hostedZoneId } },
            },
          ],
        },
      },
    });
  }
}

export const certManager = defineAddon<CertManagerProps>({
  id: 'cert-manager',
  dependsOn: [NEEDS_NODES], // its ClusterIssuers come with its own Application (CRDs first, issuers in a later resource wave)
  description: "TLS certificates from Let's Encrypt (ACME DNS-01 through Route 53)",
  namespace: SA.namespace,
  irsa: { controller: 'cert-manager', valuesPath: ['serviceAccount'] },
  chart: { repoURL: 'oci://quay.io/jetstack/charts/cert-manager', chart: '', version: 'v1.21.1', releaseName: NAME },
  settings: {
    email: optional(str({ pattern: /^[^\s@]+@[^\s@]+\.[a-z]{2,63}$/i, patternText: 'an e-mail address such as "platform@example.com"' })),
    replicas: int({ min: 1, max: 5, default: 2 }),
  },
  // The CRDs are too large for client-side apply's last-applied annotation.
  serverSideApply: true,
  chartClusterKinds: [
    CRD,
    ...CLUSTER_RBAC,
    MUTATING_WEBHOOK,
    VALIDATING_WEBHOOK,
  ],
  validate: ({ config }) =>
    requiredValueProblems('cert-manager', config.values, [
      { path: ['crds', 'enabled'], allowed: true, why: 'the CRDs belong to this Application; without them Argo CD would prune them and every Certificate with them' },
      { path: ['crds', 'keep'], allowed: true, why: 'keeps the CRDs (and every Certificate and ClusterIssuer) when the add-on is removed' },
      { path: ['installCRDs'], allowed: false, why: 'deprecated by the chart; crds.enabled and crds.keep are set' },
    ]),
  values: ({ cluster, settings }) => certManagerValues(cluster, settings),
  manifests: (scope, { cluster, settings }) => renderClusterIssuers(scope, cluster, settings),
});
