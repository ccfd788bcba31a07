/**
 * AWS Load Balancer Controller policy, derived from `docs/install/iam_policy.json` of
 * kubernetes-sigs/aws-load-balancer-controller v3.5.0 (the chart version we pin). Upstream lets a controller change
 * anything carrying *some* `elbv2.k8s.aws/cluster` tag (a `Null` condition) and authorize ingress, change listeners
 * and rules on any resource; here every change is conditioned on the tag's value being this cluster's name (the
 * controller's `clusterName`, which it writes into that tag on everything it creates, listeners and rules included).
 * No Shield permissions: protections cannot be scoped to a cluster, so the chart sets `enableShield: false`.
 */
import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/** The tag the controller puts on every load balancer, target group, listener, rule and security group it creates. */
export const ALB_CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

export function albControllerPolicy(c: PolicyContext): PolicyDocument {
  const elb = (resource: string) => `arn:${c.partition}:elasticloadbalancing:${c.region}:${c.accountId}:${resource}`;
  const ec2 = (resource: string) => `arn:${c.partition}:ec2:${c.region}:${c.accountId}:${resource}`;
  const securityGroups = ec2('security-group/*');
  const balancers = [elb('loadbalancer/net/*/*'), elb('loadbalancer/app/*/*')];
  const targetGroups = elb('targetgroup/*/*');
  const listeners = [elb('listener/net/*/*/*'), elb('listener/app/*/*/*'), elb('listener-rule/net/*/*/*'), elb('listener-rule/app/*/*/*')];
  /** The resource is this cluster's. */
  const ours = { StringEquals: { [`aws:ResourceTag/${ALB_CLUSTER_TAG}`]: c.cluster } };
  /** The resource being created is tagged as this cluster's. */
  const creatingOurs = { [`aws:RequestTag/${ALB_CLUSTER_TAG}`]: c.cluster };
  /** Tag changes on our resources that leave the cluster tag alone (it cannot be re-pointed at another cluster). */
  const retagOurs = { StringEquals: { [`aws:ResourceTag/${ALB_CLUSTER_TAG}`]: c.cluster }, Null: { [`aws:RequestTag/${ALB_CLUSTER_TAG}`]: 'true' } };
  return doc(
    {
      Sid: 'CreateElbServiceLinkedRole',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: `arn:${c.partition}:iam::${c.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    },
    {
      Sid: 'Describe',
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
        'cognito-idp:DescribeUserPoolClient',
        'acm:ListCertificates',
        'acm:DescribeCertificate',
        'iam:ListServerCertificates',
        'iam:GetServerCertificate',
        'waf-regional:GetWebACL',
        'waf-regional:GetWebACLForResource',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
      ],
      Resource: '*',
    },
    {
      // Attaching or detaching a web ACL also needs elasticloadbalancing:SetWebAcl on the load balancer (below,
      // conditioned on this cluster's tag), so these reach only this cluster's ALBs.
      Sid: 'WebAclAssociation',
      Effect: 'Allow',
      Action: ['waf-regional:AssociateWebACL', 'waf-regional:DisassociateWebACL', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'],
      Resource: '*',
    },
    {
      Sid: 'CreateTaggedSecurityGroupInClusterVpc',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: [securityGroups, ec2(`vpc/${c.vpcId}`)],
      Condition: { StringEquals: creatingOurs },
    },
    {
      Sid: 'TagNewSecurityGroup',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: securityGroups,
      Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup', ...creatingOurs } },
    },
    { Sid: 'RetagOwnSecurityGroups', Effect: 'Allow', Action: ['ec2:CreateTags', 'ec2:DeleteTags'], Resource: securityGroups, Condition: retagOurs },
    {
      Sid: 'ManageOwnSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
      Resource: securityGroups,
      Condition: ours,
    },
    {
      // The backend rules: traffic from the load balancers to the pods is opened on the EKS cluster security group
      // (the nodes' group), which EKS tags with aws:eks:cluster-name (an aws: tag, so nobody else can set it).
      Sid: 'OpenClusterSecurityGroupToLoadBalancers',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: securityGroups,
      Condition: { StringEquals: { 'aws:ResourceTag/aws:eks:cluster-name': c.cluster } },
    },
    {
      Sid: 'CreateTaggedLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      Resource: [...balancers, targetGroups],
      Condition: { StringEquals: creatingOurs },
    },
    {
      // Listeners and rules are tagged on create (the controller's ListenerRulesTagging feature, on by default).
      Sid: 'CreateTaggedListenersAndRules',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateRule'],
      Resource: [...balancers, ...listeners],
      Condition: { StringEquals: creatingOurs },
    },
    {
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: 'elasticloadbalancing:AddTags',
      Resource: [...balancers, targetGroups, ...listeners],
      Condition: {
        StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer', 'CreateListener', 'CreateRule'], ...creatingOurs },
      },
    },
    {
      Sid: 'RetagOwnLoadBalancerResources',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: [...balancers, targetGroups, ...listeners],
      Condition: retagOurs,
    },
    {
      Sid: 'ManageOwnLoadBalancers',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:SetWebAcl',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyCapacityReservation',
        'elasticloadbalancing:ModifyIpPools',
      ],
      Resource: balancers,
      Condition: ours,
    },
    {
      Sid: 'ManageOwnTargetGroups',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        // A TargetGroupBinding to a target group made elsewhere needs the group tagged with this cluster's name.
        'elasticloadbalancing:RegisterTargets',
        'elasticloadbalancing:DeregisterTargets',
      ],
      Resource: targetGroups,
      Condition: ours,
    },
    {
      Sid: 'ManageOwnListenersAndRules',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:SetRulePriorities',
        'elasticloadbalancing:DeleteRule',
      ],
      Resource: listeners,
      Condition: ours,
    },
  );
}
