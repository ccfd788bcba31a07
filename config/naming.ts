/**
 * The one naming convention shared by the charts (IRSA annotations, queue names) and the AWS bootstrap (the
 * resources it creates). Anything that cannot be derived from these comes from the cluster's facts file.
 */

/** The controllers that get an IAM role for service accounts (IRSA), one role each. */
export type Controller = 'karpenter' | 'alb-controller' | 'external-dns' | 'cert-manager' | 'efs-csi' | 'external-secrets';

export interface AwsIdentity {
  readonly name: string;
  readonly aws: { readonly accountId: string; readonly region: string };
}

/** IAM role name of a controller: `<cluster>-<controller>`, at most 64 characters (cluster names are at most 24). */
export function roleName(cluster: AwsIdentity, controller: Controller): string {
  return `${cluster.name}-${controller}`;
}

export function roleArn(cluster: AwsIdentity, controller: Controller): string {
  return `arn:aws:iam::${cluster.aws.accountId}:role/${roleName(cluster, controller)}`;
}

/** SQS queue that receives Spot interruption and instance health events for Karpenter. */
/**
 * The EKS cluster's ARN (`arn:aws:eks:<region>:<account>:cluster/<name>`): how the EKS managed Argo CD addresses a
 * cluster, its own included (it does not support https://kubernetes.default.svc; EKS user guide, "Register target
 * clusters").
 */
export function eksClusterArn(cluster: AwsIdentity & { readonly aws: { readonly region: string } }): string {
  return `arn:aws:eks:${cluster.aws.region}:${cluster.aws.accountId}:cluster/${cluster.name}`;
}

export function interruptionQueueName(cluster: AwsIdentity): string {
  return `${cluster.name}-karpenter-interruption`;
}

/** IAM role (and instance profile) of the nodes Karpenter launches. */
export function karpenterNodeRoleName(cluster: AwsIdentity): string {
  return `${cluster.name}-karpenter-node`;
}

/** SSM Parameter Store prefix for the cluster: bootstrap outputs and application parameters live under it. */
export function parameterPrefix(cluster: Pick<AwsIdentity, 'name'>): string {
  return `/${cluster.name}`;
}

/** Where each controller's service account lives: the charts create it there, the bootstrap trusts exactly it (IRSA). */
export const SERVICE_ACCOUNTS: Readonly<Record<Controller, { readonly namespace: string; readonly name: string }>> = {
  karpenter: { namespace: 'karpenter', name: 'karpenter' },
  'alb-controller': { namespace: 'kube-system', name: 'aws-load-balancer-controller' },
  'external-dns': { namespace: 'external-dns', name: 'external-dns' },
  'cert-manager': { namespace: 'cert-manager', name: 'cert-manager' },
  'efs-csi': { namespace: 'kube-system', name: 'efs-csi-controller-sa' },
  'external-secrets': { namespace: 'external-secrets', name: 'external-secrets' },
};

/** Namespace Karpenter runs in; the bootstrap's Fargate profile selects exactly it. */
export const KARPENTER_NAMESPACE = SERVICE_ACCOUNTS.karpenter.namespace;

/** SSM path the bootstrap publishes its outputs under; `facts pull` reads it. */
export function factsParameterPath(cluster: Pick<AwsIdentity, 'name'>): string {
  return `${parameterPrefix(cluster)}/facts`;
}

/** SSM prefix of application parameters that External Secrets may read (and nothing else). */
export function appParameterPrefix(cluster: Pick<AwsIdentity, 'name'>): string {
  return `${parameterPrefix(cluster)}/apps`;
}

/** Access levels of idp-roles; the bootstrap's access entries map IAM roles to their Kubernetes groups. */
export const ACCESS_LEVELS = ['admin', 'power-user', 'observer', 'reader'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/**
 * Kubernetes group of an access level: `platform:<level>` unless the cluster renames it under
 * `addons.idp-roles.groups.<level>`. idp-roles binds these groups; access entries put IAM roles in them.
 */
export function accessGroup(cluster: { readonly addons: Readonly<Record<string, { readonly settings: Record<string, unknown> }>> }, level: AccessLevel): string {
  const groups = cluster.addons['idp-roles']?.settings.groups as Partial<Record<AccessLevel, string>> | undefined;
  return groups?.[level] ?? `platform:${level}`;
}

/** A folder of the cluster's rendered output as a path in the git repository (`dist/<cluster>/<folder>`). */
export function repoPath(cluster: { readonly name: string; readonly gitops: { readonly distPath: string } }, folder: string): string {
  return `${cluster.gitops.distPath}/${cluster.name}/${folder}`;
}

/** A name the bootstrap or a controller gives an AWS resource, which must be unique in its scope. */
export interface AwsName {
  /** What it names, e.g. "IAM role". */
  readonly kind: string;
  /** `account`: unique in the account (IAM is global); `region`: unique per account and region. */
  readonly scope: 'account' | 'region';
  readonly name: string;
  /** The config key the name derives from, for messages. */
  readonly key: string;
}

/** IAM roles, the EKS cluster, the stack, queue, KMS alias and EventBridge rules are named `<cluster>[-<suffix>]`. */
const ACCOUNT_ROLE_SUFFIXES = ['eks-cluster', 'fargate-pod-execution'] as const;
/** EventBridge rules of the interruption queue (bootstrap/template.ts, `<cluster>-karpenter-<rule>`). */
const KARPENTER_RULES = ['scheduled-change', 'spot-interruption', 'rebalance', 'instance-state-change', 'capacity-reservation'] as const;

/**
 * Load balancer name of the shared ALB: `addons.alb-ingress-group.loadBalancerName`, else `<cluster>-<groupName>`
 * (the loader fills groupName's default from the add-on's schema); `undefined` when the add-on is disabled. Same rule as clusterIngressGroup in
 * charts/network/alb-ingress-group.ts (test/fleet-checks.test.ts keeps them equal).
 */
export function albName(cluster: { readonly name: string; readonly addons: Readonly<Record<string, { readonly enabled: boolean; readonly settings: Record<string, unknown> }>> }): string | undefined {
  const group = cluster.addons['alb-ingress-group'];
  if (!group?.enabled) return undefined;
  const settings = group.settings as { loadBalancerName?: string; groupName: string };
  return settings.loadBalancerName ?? `${cluster.name}-${settings.groupName}`;
}

/**
 * Every AWS name derived from a cluster's config that AWS requires unique per account (IAM roles) or per account and
 * region (EKS cluster, CloudFormation stack, SQS queue, KMS alias, EventBridge rules, load balancer). Sources:
 * bootstrap/template.ts and this file; test/fleet-checks.test.ts compares the list with a rendered bootstrap.
 */
export function awsResourceNames(cluster: AwsIdentity & Parameters<typeof albName>[0]): AwsName[] {
  const role = (name: string): AwsName => ({ kind: 'IAM role', scope: 'account', name, key: 'name' });
  const regional = (kind: string, name: string, key = 'name'): AwsName => ({ kind, scope: 'region', name, key });
  const alb = albName(cluster);
  return [
    ...(Object.keys(SERVICE_ACCOUNTS) as Controller[]).map((c) => role(roleName(cluster, c))),
    role(karpenterNodeRoleName(cluster)),
    ...ACCOUNT_ROLE_SUFFIXES.map((s) => role(`${cluster.name}-${s}`)),
    regional('EKS cluster', cluster.name),
    regional('CloudFormation stack', `${cluster.name}-platform-bootstrap`),
    regional('KMS alias', `alias/${cluster.name}-platform`),
    regional('SQS queue', interruptionQueueName(cluster)),
    ...KARPENTER_RULES.map((r) => regional('EventBridge rule', `${cluster.name}-karpenter-${r}`)),
    ...(alb ? [regional('load balancer', alb, 'addons.alb-ingress-group.loadBalancerName')] : []),
  ];
}
