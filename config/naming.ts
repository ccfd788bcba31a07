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

/** Tag key/value on subnets and security groups that Karpenter discovers. */
export function discoveryTag(cluster: Pick<AwsIdentity, 'name'>): { readonly key: string; readonly value: string } {
  return { key: 'karpenter.sh/discovery', value: cluster.name };
}
