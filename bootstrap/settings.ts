/**
 * The bootstrap's view of a cluster: the `bootstrap:` block with its defaults resolved, plus the checks a schema
 * cannot express (they depend on other keys, such as the Kubernetes version).
 */
import type { Cluster } from '../config/cluster.ts';
import { ConfigError, type FileProblem } from '../config/load.ts';
import { show } from '../config/schema.ts';

export interface AddonVersions {
  readonly vpcCni: string;
  readonly kubeProxy: string;
  readonly coreDns: string;
}

/**
 * EKS managed add-on versions per Kubernetes minor version, used when the cluster file pins none. Only versions that
 * were checked against the EKS add-on compatibility tables are listed; other Kubernetes versions must pin all three.
 * Refresh with `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`.
 */
export const DEFAULT_ADDON_VERSIONS: Readonly<Record<string, AddonVersions>> = {
  '1.33': { vpcCni: 'v1.19.5-eksbuild.1', kubeProxy: 'v1.33.0-eksbuild.2', coreDns: 'v1.12.1-eksbuild.2' },
};

const ADDON_KEYS = ['vpcCni', 'kubeProxy', 'coreDns'] as const;
/** EKS add-on names of the `bootstrap.addonVersions` keys. */
const ADDON_NAMES: Readonly<Record<(typeof ADDON_KEYS)[number], string>> = { vpcCni: 'vpc-cni', kubeProxy: 'kube-proxy', coreDns: 'coredns' };

/** The AWS CLI command that lists the versions of an EKS add-on for a Kubernetes version, newest first. */
export function listVersionsCommand(addon: string, kubernetesVersion: string): string {
  return `\`aws eks describe-addon-versions --addon-name ${addon} --kubernetes-version ${kubernetesVersion} --query 'addons[].addonVersions[].addonVersion'\``;
}

/** A CIDR's range problem (octets, prefix length, all addresses), or undefined when it is a usable source range. */
function cidrProblem(cidr: string): string | undefined {
  const [ip, bits] = cidr.split('/');
  const v6 = ip.includes(':');
  const max = v6 ? 128 : 32;
  if (Number(bits) === 0) return `admits every address; allowed: a narrower range (the management cluster's or the VPN's)`;
  if (Number(bits) > max) return `prefix /${bits} is longer than ${max} bits`;
  if (!v6 && !ip.split('.').every((o) => Number(o) <= 255)) return 'octets must be <= 255';
  return undefined;
}

/** IPv4 ranges a private endpoint can be reached from: RFC 1918 and the shared (CGNAT) space VPNs often use. */
const PRIVATE_V4: ReadonlyArray<readonly [number, number]> = [
  [0x0a000000, 8], // 10.0.0.0/8
  [0xac100000, 12], // 172.16.0.0/12
  [0xc0a80000, 16], // 192.168.0.0/16
  [0x64400000, 10], // 100.64.0.0/10
];

/**
 * A source range of the private endpoint that is not private: only addresses inside the VPC or networks routed into
 * it (peering, Transit Gateway, VPN) reach a private endpoint, so a public or very wide range is a mistake that would
 * admit far more than meant (e.g. `0.0.0.0/1` + `128.0.0.0/1`). IPv6 VPC ranges are global, so there only the
 * prefix length is bounded (at least /32).
 */
function notPrivateProblem(cidr: string): string | undefined {
  const [ip, bits] = cidr.split('/');
  if (ip.includes(':')) return Number(bits) < 32 ? `prefix /${bits} is wider than /32` : undefined;
  const address = ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const inside = PRIVATE_V4.some(([base, len]) => Number(bits) >= len && Math.floor(address / 2 ** (32 - len)) === Math.floor(base / 2 ** (32 - len)));
  return inside ? undefined : 'not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)';
}

/** `bootstrap.endpoint.privateAccessFrom`: usable ranges, and at least one source where a remote Argo CD must connect. */
function endpointAccessProblems(cluster: Cluster): FileProblem[] {
  const file = cluster.files.config;
  const from = cluster.bootstrap.endpoint.privateAccessFrom;
  const problems: FileProblem[] = [];
  from.cidrs.forEach((cidr, i) => {
    const why = cidrProblem(cidr) ?? notPrivateProblem(cidr);
    if (why) problems.push({ file, path: `bootstrap.endpoint.privateAccessFrom.cidrs[${i}]`, message: `got ${show(cidr)}: ${why}; allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster's or the VPN's)` });
  });
  const sources = from.cidrs.length + from.prefixListIds.length + from.securityGroupIds.length;
  if (cluster.argocd.mode === 'management' && sources === 0) {
    problems.push({
      file,
      path: 'bootstrap.endpoint.privateAccessFrom',
      message: 'got no sources with argocd.mode "management"; allowed: the management Argo CD\'s CIDRs, prefix list or security group (the private endpoint admits nothing else)',
    });
  }
  return problems;
}

/** Keys of `argocd` that only one mode uses, and what each mode requires. */
function argocdModeProblems(cluster: Cluster): FileProblem[] {
  const file = cluster.files.config;
  const { mode, capability, roleArn, roleTrustedBy } = cluster.argocd;
  const problems: FileProblem[] = [];
  if (mode === 'eks-capability' && !capability) {
    problems.push({ file, path: 'argocd.capability', message: 'missing with argocd.mode "eks-capability"; allowed: identityCenterInstanceArn and the groups/users per Argo CD role' });
  }
  if (mode !== 'eks-capability' && capability) {
    problems.push({ file, path: 'argocd.capability', message: `got settings with argocd.mode ${show(mode)}; allowed: nothing (only "eks-capability" uses them)` });
  }
  if (mode !== 'management' && roleTrustedBy.length > 0) {
    problems.push({ file, path: 'argocd.roleTrustedBy', message: `got ${show(roleTrustedBy)} with argocd.mode ${show(mode)}; allowed: [] (only "management" uses it)` });
  }
  if (roleTrustedBy.length > 0 && roleArn) {
    if (roleArn.split(':')[4] !== cluster.aws.accountId) {
      problems.push({ file, path: 'argocd.roleArn', message: `got ${show(roleArn)}; allowed: a role in account ${cluster.aws.accountId}, where the stack creates it (argocd.roleTrustedBy is set)` });
    }
    if (roleArn in cluster.bootstrap.accessEntries) {
      problems.push({
        file,
        path: 'bootstrap.accessEntries',
        message: `has an entry for argocd.roleArn ${show(roleArn)}; allowed: none, the stack creates that role and its admin access entry (argocd.roleTrustedBy is set)`,
      });
    }
  }
  return problems;
}

/** Cross-field problems of the `bootstrap:` block, with key paths from the file's root. */
export function bootstrapProblems(cluster: Cluster): FileProblem[] {
  const file = cluster.files.config;
  const b = cluster.bootstrap;
  const problems: FileProblem[] = [];
  const { public: isPublic, publicCidrs } = b.endpoint;
  if (isPublic && publicCidrs.length === 0) {
    problems.push({ file, path: 'bootstrap.endpoint.publicCidrs', message: 'got [] with endpoint.public true; allowed: at least one CIDR (the public endpoint is never open to all)' });
  }
  if (!isPublic && publicCidrs.length > 0) {
    problems.push({ file, path: 'bootstrap.endpoint.publicCidrs', message: `got ${show(publicCidrs)} with endpoint.public false; allowed: [] (or set endpoint.public: true)` });
  }
  publicCidrs.forEach((cidr, i) => {
    if (cidrProblem(cidr)) {
      problems.push({ file, path: `bootstrap.endpoint.publicCidrs[${i}]`, message: `got ${show(cidr)}; allowed: an IPv4 CIDR with octets <= 255 and a prefix of 1 to 32 bits (not 0.0.0.0/0)` });
    }
  });

  // Fleet mode: the management cluster's Argo CD signs in with this role, so it needs an access entry here. Without a
  // role it would sign in as its own (management-account) identity, which no access entry of this stack names.
  const argocdRole = cluster.argocd.roleArn;
  if (cluster.argocd.mode === 'management' && !argocdRole) {
    problems.push({
      file,
      path: 'argocd.roleArn',
      message: `missing with argocd.mode "management"; allowed: an IAM role ARN in account ${cluster.aws.accountId} that the management Argo CD assumes, with an entry in bootstrap.accessEntries (or use mode "in-cluster")`,
    });
  }
  const createsRole = cluster.argocd.roleTrustedBy.length > 0;
  if (argocdRole && !createsRole && !(argocdRole in b.accessEntries)) {
    problems.push({
      file,
      path: 'bootstrap.accessEntries',
      message: `has no entry for argocd.roleArn ${show(argocdRole)}; allowed: add it (e.g. \`"${argocdRole}": admin\`) so the management Argo CD can reach this cluster`,
    });
  }

  // idp-roles checks the names when it is enabled; without it there are no custom roles to name.
  if (!cluster.addons['idp-roles']?.enabled) {
    for (const [arn, entry] of Object.entries(b.accessEntries).filter(([, e]) => e.customRoles.length > 0)) {
      problems.push({
        file,
        path: `bootstrap.accessEntries.${arn}.customRoles`,
        message: `got ${show(entry.customRoles)} with addons.idp-roles disabled; allowed: [] (custom roles are defined and bound by idp-roles)`,
      });
    }
  }
  problems.push(...argocdModeProblems(cluster), ...endpointAccessProblems(cluster));

  const defaults = DEFAULT_ADDON_VERSIONS[cluster.kubernetesVersion];
  for (const key of ADDON_KEYS) {
    if (!b.addonVersions[key] && !defaults) {
      problems.push({
        file,
        path: `bootstrap.addonVersions.${key}`,
        message: `missing for kubernetesVersion ${show(cluster.kubernetesVersion)}; allowed: a pinned EKS add-on version (defaults exist only for ${Object.keys(DEFAULT_ADDON_VERSIONS).join(', ')}); list them with ${listVersionsCommand(ADDON_NAMES[key], cluster.kubernetesVersion)}`,
      });
    }
  }
  const kubeProxy = b.addonVersions.kubeProxy;
  if (kubeProxy && !kubeProxy.startsWith(`v${cluster.kubernetesVersion}.`)) {
    problems.push({
      file,
      path: 'bootstrap.addonVersions.kubeProxy',
      message: `got ${show(kubeProxy)}; allowed: a kube-proxy version of the cluster's Kubernetes version, v${cluster.kubernetesVersion}.x-eksbuild.N (list them with ${listVersionsCommand('kube-proxy', cluster.kubernetesVersion)})`,
    });
  }
  return problems;
}

/** Throws a ConfigError (file, key path, bad value, what is allowed) when the `bootstrap:` block is inconsistent. */
export function assertBootstrapSettings(cluster: Cluster): void {
  const problems = bootstrapProblems(cluster);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The add-on versions the template pins: the cluster file's, else the defaults of its Kubernetes version. */
export function addonVersions(cluster: Cluster): AddonVersions {
  const defaults = DEFAULT_ADDON_VERSIONS[cluster.kubernetesVersion];
  const pick = (key: (typeof ADDON_KEYS)[number]) => cluster.bootstrap.addonVersions[key] ?? defaults?.[key];
  const out = { vpcCni: pick('vpcCni'), kubeProxy: pick('kubeProxy'), coreDns: pick('coreDns') };
  if (!out.vpcCni || !out.kubeProxy || !out.coreDns) assertBootstrapSettings(cluster);
  return out as AddonVersions;
}
