/**
 * Checks across cluster files that no single file can make: two clusters that would fight over the same DNS
 * records, the same subnets, or the same account-wide AWS names. Run by the loader on every load, also when
 * `--cluster` selects some clusters (the others are loaded for these checks).
 */
import type { Cluster } from './cluster.ts';
import type { FileProblem } from './load.ts';
import { awsResourceNames } from './naming.ts';
import { show } from './schema.ts';

/** A value a cluster claims: `id` is compared (scope included), `value` is shown, `path` is its key in the file. */
interface Claim {
  readonly id: string;
  readonly value: string;
  readonly cluster: Cluster;
  readonly path: string;
  /** The clash in words, e.g. `also the domain of`; followed by the other cluster. */
  readonly clash: string;
  readonly allowed: string;
}

/**
 * Collisions between clusters, reported in the file of each `selected` cluster involved, naming the other file.
 * `others` are the clusters not selected (checked against, never reported). Shape: `file: key: got X; allowed: Y`.
 */
export function fleetCollisions(selected: readonly Cluster[], others: readonly Cluster[]): FileProblem[] {
  const all = [...selected, ...others];
  const isSelected = new Set(selected);
  const where = (c: Cluster) => `cluster ${c.name} (${c.files.config})`;
  const claims: Claim[] = [];
  for (const c of all) {
    if (c.dns?.domain) claims.push({ id: `domain:${c.dns.domain}`, value: c.dns.domain, cluster: c, path: 'dns.domain', clash: 'also the domain of', allowed: 'a domain no other cluster uses (each external-dns owns its records; two would fight, or one never publishes)' });
    if (c.dns?.hostedZoneId) claims.push({ id: `zone:${c.dns.hostedZoneId}`, value: c.dns.hostedZoneId, cluster: c, path: 'dns.hostedZoneId', clash: 'also the hosted zone of', allowed: "a hosted zone of the cluster's own (delegate a sub-domain to each cluster)" });
    // Subnet ids are unique across AWS: one id in two files is one subnet, also when shared between accounts.
    (c.network?.privateSubnetIds ?? []).forEach((s, i) => claims.push({ id: `subnet:${s}`, value: s, cluster: c, path: `network.privateSubnetIds[${i}]`, clash: 'also a subnet of', allowed: 'subnets no other cluster uses (each cluster\'s Karpenter nodes, load balancers and EFS mount targets get IP space of their own)' }));
    if (!c.aws?.accountId || !c.aws.region || !c.addons) continue;
    for (const n of awsResourceNames(c)) {
      const scope = n.scope === 'account' ? `account ${c.aws.accountId}` : `account ${c.aws.accountId} ${c.aws.region}`;
      claims.push({ id: `${scope}:${n.kind}:${n.name}`, value: n.key === 'name' ? c.name : n.name, cluster: c, path: n.key, clash: `its ${n.kind} ${show(n.name)} (${scope}) is also one of`, allowed: `a value whose AWS names differ from every other cluster's (${n.kind} names are unique per ${n.scope === 'account' ? 'account' : 'account and region'})` });
    }
  }
  const problems: FileProblem[] = [];
  const first = new Map<string, Claim>();
  for (const claim of claims) {
    const other = first.get(claim.id);
    if (!other) first.set(claim.id, claim);
    if (!other || other.cluster === claim.cluster) continue;
    // Both sides are told, if selected: fixing either file resolves it.
    for (const [self, them] of [[claim, other], [other, claim]] as const) {
      if (!isSelected.has(self.cluster)) continue;
      problems.push({ file: self.cluster.files.config, path: self.path, message: `got ${show(self.value)}; ${self.clash} ${where(them.cluster)}; allowed: ${self.allowed}` });
    }
  }
  return problems;
}
