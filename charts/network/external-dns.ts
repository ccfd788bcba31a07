/**
 * external-dns: publishes the hosts of Ingresses and Services as Route 53 records in the cluster's hosted zone.
 * Chart: external-dns 1.21.1 from https://kubernetes-sigs.github.io/external-dns/ (values checked against its
 * values.yaml and values.schema.json).
 *
 * One replica: external-dns has no leader election, two replicas would race on the same records. It is not on the
 * request path (DNS keeps answering while it restarts), so a short outage only delays record changes.
 */
import { str } from '../../config/schema.ts';
import { SERVICE_ACCOUNTS } from '../../config/naming.ts';
import type { Cluster } from '../../config/cluster.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, irsaServiceAccount } from '../common.ts';

export type DnsPolicy = 'upsert-only' | 'sync';

/** external-dns's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface ExternalDnsProps {
  /**
   * `upsert-only` creates and updates records but never deletes them; `sync` also deletes the records it owns
   * when their Ingress or Service goes away (only records whose TXT owner is this cluster).
   */
  readonly policy: DnsPolicy;
  /** How often to reconcile all records (Route 53 allows 5 API requests per second per account). */
  readonly interval: string;
}

const NAME = 'external-dns';
const SA = SERVICE_ACCOUNTS['external-dns'];

/** TXT registry owner: unique per cluster, so two clusters sharing a zone never take over each other's records. */
export function txtOwnerId(cluster: Pick<Cluster, 'name'>): string {
  return `eks-platform-${cluster.name}`;
}

export function externalDnsValues(cluster: Cluster, props: ExternalDnsProps): Record<string, unknown> {
  return {
    provider: { name: 'aws' },
    // The nodes require IMDSv2 with a hop limit of 1, so the region cannot come from the metadata service.
    env: [{ name: 'AWS_DEFAULT_REGION', value: cluster.aws.region }],
    sources: ['ingress', 'service'],
    policy: props.policy,
    registry: 'txt',
    txtOwnerId: txtOwnerId(cluster),
    domainFilters: [cluster.dns.domain],
    // The IAM role may change this hosted zone only; filtering by id also skips zones of the same name elsewhere.
    extraArgs: [`--zone-id-filter=${cluster.dns.hostedZoneId}`],
    interval: props.interval,
    logFormat: 'json',
    serviceAccount: irsaServiceAccount(cluster, 'external-dns'),
    // The chart's pod and container security contexts are already restricted (non-root 65532, read-only, no capabilities).
    resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
  };
}

export const externalDns = defineAddon<ExternalDnsProps>({
  id: 'external-dns',
  dependsOn: [NEEDS_NODES],
  description: 'Route 53 records for the hosts of Ingresses and Services',
  namespace: SA.namespace,
  irsa: { controller: 'external-dns', valuesPath: ['serviceAccount'] },
  chart: { repoURL: 'https://kubernetes-sigs.github.io/external-dns/', chart: NAME, version: '1.21.1', releaseName: NAME },
  settings: {
    policy: str({ oneOf: ['upsert-only', 'sync'] as const, default: 'upsert-only' }),
    interval: str({ pattern: /^([1-9]\d*(s|m|h))+$/, patternText: 'a Go duration such as "1m" or "90s"', default: '1m' }),
  },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
  ],
  values: ({ cluster, settings }) => externalDnsValues(cluster, settings),
});
