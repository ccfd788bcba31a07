import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/**
 * Karpenter v1 controller policy, derived from `website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml`
 * of aws/karpenter-provider-aws at v1.14.1 (the chart version we pin), with the upstream `*` accounts narrowed to this
 * account. Every write is already conditioned upstream on `kubernetes.io/cluster/<cluster>: owned` (resource or request
 * tag) or names this cluster's node role and queue.
 */
export function karpenterControllerPolicy(c: PolicyContext): PolicyDocument {
  const ec2 = (resource: string, account = c.accountId) => `arn:${c.partition}:ec2:${c.region}:${account}:${resource}`;
  const owned = `kubernetes.io/cluster/${c.cluster}`;
  const instanceProfiles = `arn:${c.partition}:iam::${c.accountId}:instance-profile/*`;
  const launched = [ec2('fleet/*'), ec2('instance/*'), ec2('volume/*'), ec2('network-interface/*'), ec2('launch-template/*'), ec2('spot-instances-request/*')];
  return doc(
    {
      Sid: 'AllowScopedEC2InstanceAccessActions',
      Effect: 'Allow',
      // AMIs and snapshots belong to their publishers, hence no account in these two ARNs. Capacity reservations
      // (EC2NodeClass capacityReservationSelectorTerms) and placement groups must be this account's own.
      Resource: [
        ec2('image/*', ''),
        ec2('snapshot/*', ''),
        ec2('security-group/*'),
        ec2('subnet/*'),
        ec2('capacity-reservation/*'),
        ec2('placement-group/*'),
      ],
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
    },
    {
      Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      Effect: 'Allow',
      Resource: ec2('launch-template/*'),
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Condition: { StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    },
    {
      Sid: 'AllowScopedEC2InstanceActionsWithTags',
      Effect: 'Allow',
      Resource: launched,
      Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      Condition: {
        StringEquals: { [`aws:RequestTag/${owned}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': c.cluster },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedResourceCreationTagging',
      Effect: 'Allow',
      Resource: launched,
      Action: 'ec2:CreateTags',
      Condition: {
        StringEquals: {
          [`aws:RequestTag/${owned}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': c.cluster,
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedResourceTagging',
      Effect: 'Allow',
      Resource: ec2('instance/*'),
      Action: 'ec2:CreateTags',
      Condition: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': c.cluster },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    },
    {
      Sid: 'AllowScopedDeletion',
      Effect: 'Allow',
      Resource: [ec2('instance/*'), ec2('launch-template/*')],
      Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      Condition: { StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    },
    {
      Sid: 'AllowRegionalReadActions',
      Effect: 'Allow',
      // EC2 Describe* calls support no resource-level permissions; the region condition is the narrowest scope.
      Resource: '*',
      Action: [
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      Condition: { StringEquals: { 'aws:RequestedRegion': c.region } },
    },
    { Sid: 'AllowSSMReadActions', Effect: 'Allow', Resource: `arn:${c.partition}:ssm:${c.region}::parameter/aws/service/*`, Action: 'ssm:GetParameter' },
    { Sid: 'AllowPricingReadActions', Effect: 'Allow', Resource: '*', Action: 'pricing:GetProducts' },
    {
      Sid: 'AllowInterruptionQueueActions',
      Effect: 'Allow',
      Resource: c.interruptionQueueArn,
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
    },
    {
      Sid: 'AllowPassingInstanceRole',
      Effect: 'Allow',
      Resource: c.karpenterNodeRoleArn,
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
    },
    {
      Sid: 'AllowScopedInstanceProfileCreationActions',
      Effect: 'Allow',
      Resource: instanceProfiles,
      Action: ['iam:CreateInstanceProfile'],
      Condition: {
        StringEquals: { [`aws:RequestTag/${owned}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': c.cluster, 'aws:RequestTag/topology.kubernetes.io/region': c.region },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    {
      Sid: 'AllowScopedInstanceProfileTagActions',
      Effect: 'Allow',
      Resource: instanceProfiles,
      Action: ['iam:TagInstanceProfile'],
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${owned}`]: 'owned',
          'aws:ResourceTag/topology.kubernetes.io/region': c.region,
          [`aws:RequestTag/${owned}`]: 'owned',
          'aws:RequestTag/eks:eks-cluster-name': c.cluster,
          'aws:RequestTag/topology.kubernetes.io/region': c.region,
        },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    {
      Sid: 'AllowScopedInstanceProfileActions',
      Effect: 'Allow',
      Resource: instanceProfiles,
      Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      Condition: {
        StringEquals: { [`aws:ResourceTag/${owned}`]: 'owned', 'aws:ResourceTag/topology.kubernetes.io/region': c.region },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    // ListInstanceProfiles has no resource-level permissions (Karpenter lists its profiles to garbage-collect them).
    { Sid: 'AllowUnscopedInstanceProfileListAction', Effect: 'Allow', Resource: '*', Action: 'iam:ListInstanceProfiles' },
    { Sid: 'AllowInstanceProfileReadActions', Effect: 'Allow', Resource: instanceProfiles, Action: 'iam:GetInstanceProfile' },
    {
      Sid: 'AllowAPIServerEndpointDiscovery',
      Effect: 'Allow',
      Resource: `arn:${c.partition}:eks:${c.region}:${c.accountId}:cluster/${c.cluster}`,
      Action: 'eks:DescribeCluster',
    },
    {
      Sid: 'AllowZonalShiftStatusReadOnly',
      Effect: 'Allow',
      // GetManagedResource takes no resource ARN; the condition limits it to this cluster.
      Resource: '*',
      Action: 'arc-zonal-shift:GetManagedResource',
      Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': `arn:${c.partition}:eks:${c.region}:${c.accountId}:cluster/${c.cluster}` } },
    },
  );
}
