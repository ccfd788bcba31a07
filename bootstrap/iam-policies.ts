/**
 * IAM policy documents of the bootstrap stack. Each controller policy follows its project's published minimum
 * (sources below), with the cluster's names filled in and resources narrowed to this account, region, hosted zone,
 * queue, file system or KMS key wherever the service supports resource-level permissions. No wildcard actions.
 */
import { SERVICE_ACCOUNTS, type Controller } from '../config/naming.ts';
import type { PolicyDocument, PolicyStatement, Value } from './cfn.ts';

export interface PolicyContext {
  readonly cluster: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** `ec2.<urlSuffix>` and friends. */
  readonly urlSuffix: string;
  readonly hostedZoneId: string;
  /** Karpenter's SQS interruption queue ARN. */
  readonly interruptionQueueArn: string;
  readonly karpenterNodeRoleArn: string;
  /** SSM path External Secrets may read, e.g. `/dev/apps`. */
  readonly appParameterPrefix: string;
  /** The cluster KMS key (resolved at deploy time). */
  readonly kmsKeyArn: Value;
  /** The EFS file system (resolved at deploy time). */
  readonly fileSystemArn: Value;
}

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

/**
 * Karpenter v1 controller policy, from the v1.14 getting-started `cloudformation.yaml` of aws/karpenter-provider-aws
 * (website/content/en/v1.14/getting-started/getting-started-with-karpenter/, the chart version we pin), with the
 * upstream `*` accounts narrowed to this account.
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

/** AWS Load Balancer Controller, from `docs/install/iam_policy.json` of kubernetes-sigs/aws-load-balancer-controller. */
export function albControllerPolicy(c: PolicyContext): PolicyDocument {
  const elb = (resource: string) => `arn:${c.partition}:elasticloadbalancing:${c.region}:${c.accountId}:${resource}`;
  const securityGroups = `arn:${c.partition}:ec2:${c.region}:${c.accountId}:security-group/*`;
  const balancers = [elb('targetgroup/*/*'), elb('loadbalancer/net/*/*'), elb('loadbalancer/app/*/*')];
  const tagged = { Null: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } };
  return doc(
    {
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    },
    {
      Effect: 'Allow',
      Action: [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcPeeringConnections',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags',
        'ec2:GetCoipPoolUsage',
        'ec2:DescribeCoipPools',
        'ec2:GetSecurityGroupsForVpc',
        'ec2:DescribeIpamPools',
        'ec2:DescribeRouteTables',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTrustStores',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeCapacityReservation',
      ],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: [
        'cognito-idp:DescribeUserPoolClient',
        'acm:ListCertificates',
        'acm:DescribeCertificate',
        'iam:ListServerCertificates',
        'iam:GetServerCertificate',
        'waf-regional:GetWebACL',
        'waf-regional:GetWebACLForResource',
        'waf-regional:AssociateWebACL',
        'waf-regional:DisassociateWebACL',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
        'wafv2:AssociateWebACL',
        'wafv2:DisassociateWebACL',
        'shield:GetSubscriptionState',
        'shield:DescribeProtection',
        'shield:CreateProtection',
        'shield:DeleteProtection',
      ],
      Resource: '*',
    },
    { Effect: 'Allow', Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'], Resource: securityGroups },
    { Effect: 'Allow', Action: ['ec2:CreateSecurityGroup'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: securityGroups,
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } },
    },
    {
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: securityGroups,
      Condition: { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'true', 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } },
    },
    {
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
      Resource: securityGroups,
      Condition: tagged,
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      Resource: '*',
      Condition: { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } },
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: balancers,
      Condition: { Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'true', 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } },
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: [elb('listener/net/*/*/*'), elb('listener/app/*/*/*'), elb('listener-rule/net/*/*/*'), elb('listener-rule/app/*/*/*')],
    },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyCapacityReservation',
        'elasticloadbalancing:ModifyIpPools',
      ],
      Resource: '*',
      Condition: tagged,
    },
    {
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags'],
      Resource: balancers,
      Condition: {
        StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] },
        Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' },
      },
    },
    { Effect: 'Allow', Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], Resource: elb('targetgroup/*/*') },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:SetWebAcl',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:SetRulePriorities',
      ],
      Resource: '*',
    },
  );
}

/** external-dns (AWS tutorial of kubernetes-sigs/external-dns), limited to the cluster's hosted zone. */
export function externalDnsPolicy(c: PolicyContext): PolicyDocument {
  return doc(
    {
      Sid: 'ChangeClusterZoneRecords',
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'],
      Resource: `arn:${c.partition}:route53:::hostedzone/${c.hostedZoneId}`,
    },
    // ListHostedZones has no resource-level permissions; external-dns filters to the zone itself (--zone-id-filter).
    { Sid: 'ListZones', Effect: 'Allow', Action: ['route53:ListHostedZones'], Resource: '*' },
  );
}

/** cert-manager DNS-01 (cert-manager.io Route53 docs): TXT `_acme-challenge` records in the cluster's zone only. */
export function certManagerPolicy(c: PolicyContext): PolicyDocument {
  const zone = `arn:${c.partition}:route53:::hostedzone/${c.hostedZoneId}`;
  return doc(
    { Sid: 'GetChange', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${c.partition}:route53:::change/*` },
    { Sid: 'ListClusterZoneRecords', Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: zone },
    {
      Sid: 'ChangeChallengeRecords',
      Effect: 'Allow',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: zone,
      Condition: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
      },
    },
    // Only used when an issuer does not name its hostedZoneID; the action has no resource-level permissions.
    { Sid: 'FindZone', Effect: 'Allow', Action: 'route53:ListHostedZonesByName', Resource: '*' },
  );
}

/** EFS CSI driver: AWS managed policy AmazonEFSCSIDriverPolicy, access points limited to the cluster's file system. */
export function efsCsiPolicy(c: PolicyContext): PolicyDocument {
  const accessPoints = `arn:${c.partition}:elasticfilesystem:${c.region}:${c.accountId}:access-point/*`;
  return doc(
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems', 'elasticfilesystem:DescribeMountTargets', 'ec2:DescribeAvailabilityZones'],
      Resource: '*',
    },
    {
      Sid: 'CreateAccessPoint',
      Effect: 'Allow',
      Action: ['elasticfilesystem:CreateAccessPoint'],
      Resource: c.fileSystemArn,
      Condition: { StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' } },
    },
    {
      // CreateAccessPoint with tags is also authorized as TagResource on the new access point, which has no tags yet:
      // the condition must be on the request (as in AmazonEFSCSIDriverPolicy), not on aws:ResourceTag.
      Sid: 'TagNewAccessPoint',
      Effect: 'Allow',
      Action: ['elasticfilesystem:TagResource'],
      Resource: accessPoints,
      Condition: {
        StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint' },
        StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' },
      },
    },
    {
      Sid: 'DeleteAccessPoint',
      Effect: 'Allow',
      Action: 'elasticfilesystem:DeleteAccessPoint',
      Resource: accessPoints,
      Condition: { StringEquals: { 'aws:ResourceTag/efs.csi.aws.com/cluster': 'true' } },
    },
  );
}

/**
 * External Secrets (SSM Parameter Store provider): read the cluster's application parameters and decrypt them.
 * By name and by path (`dataFrom.find.path`) only: finding parameters by tag or name regex without a path needs
 * ssm:DescribeParameters on `*`, which would list every parameter name in the account, and neither our
 * ClusterSecretStore nor echo-server's ExternalSecret does that, so it is left out.
 */
export function externalSecretsPolicy(c: PolicyContext): PolicyDocument {
  const path = c.appParameterPrefix.replace(/^\//, '');
  const ssm = (p: string) => `arn:${c.partition}:ssm:${c.region}:${c.accountId}:parameter/${p}`;
  return doc(
    {
      Sid: 'ReadAppParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:ListTagsForResource'],
      Resource: [ssm(path), ssm(`${path}/*`)],
    },
    {
      Sid: 'DecryptAppParameters',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: c.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `ssm.${c.region}.${c.urlSuffix}` } },
    },
  );
}

export const CONTROLLER_POLICIES: Readonly<Record<Controller, (c: PolicyContext) => PolicyDocument>> = {
  karpenter: karpenterControllerPolicy,
  'alb-controller': albControllerPolicy,
  'external-dns': externalDnsPolicy,
  'cert-manager': certManagerPolicy,
  'efs-csi': efsCsiPolicy,
  'external-secrets': externalSecretsPolicy,
};

/** Placeholders in an IRSA trust policy, filled by `Fn::Sub` once the cluster's OIDC issuer exists. */
export const TRUST_VARIABLES = { issuer: '${OidcIssuer}', provider: '${OidcProviderArn}' } as const;

/**
 * IRSA trust policy: only the controller's own service account, only with the STS audience. The condition keys
 * contain the OIDC issuer, known only after the cluster exists, so the template passes this document through
 * `Fn::Sub` as a JSON string (CloudFormation cannot compute object keys).
 */
export function irsaTrustPolicy(controller: Controller): PolicyDocument {
  const sa = SERVICE_ACCOUNTS[controller];
  return doc({
    Effect: 'Allow',
    Principal: { Federated: TRUST_VARIABLES.provider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${TRUST_VARIABLES.issuer}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        [`${TRUST_VARIABLES.issuer}:aud`]: 'sts.amazonaws.com',
      },
    },
  });
}

/** Trust policy for an AWS service principal, optionally limited by `aws:SourceArn`. */
export function serviceTrustPolicy(service: string, actions: readonly string[], sourceArn?: string): PolicyDocument {
  return doc({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: actions,
    ...(sourceArn ? { Condition: { ArnLike: { 'aws:SourceArn': sourceArn } } } : {}),
  });
}

/** KMS key administration and use for IAM principals of the account (key policies need explicit actions here). */
export function kmsKeyPolicy(c: Pick<PolicyContext, 'partition' | 'accountId'>): PolicyDocument {
  return doc({
    Sid: 'AccountPrincipalsByIamPolicy',
    Effect: 'Allow',
    Principal: { AWS: `arn:${c.partition}:iam::${c.accountId}:root` },
    Action: [
      'kms:CancelKeyDeletion',
      'kms:CreateAlias',
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DeleteAlias',
      'kms:DescribeKey',
      'kms:DisableKey',
      'kms:DisableKeyRotation',
      'kms:EnableKey',
      'kms:EnableKeyRotation',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:GetKeyPolicy',
      'kms:GetKeyRotationStatus',
      'kms:ListAliases',
      'kms:ListGrants',
      'kms:ListKeyPolicies',
      'kms:ListKeyRotations',
      'kms:ListResourceTags',
      'kms:PutKeyPolicy',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:RetireGrant',
      'kms:RevokeGrant',
      'kms:RotateKeyOnDemand',
      'kms:ScheduleKeyDeletion',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:UpdateAlias',
      'kms:UpdateKeyDescription',
    ],
    // In a key policy, "*" means this key.
    Resource: '*',
  });
}
