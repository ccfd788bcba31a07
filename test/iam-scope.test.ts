/**
 * IAM scoped per cluster (issue 13 #3): what is left on `Resource: "*"` is allow-listed with a reason, and with two
 * clusters in one account no controller policy of one can change or delete the other's resources.
 */
import { describe, expect, it } from 'vitest';
import { buildBootstrapTemplate, controllerRoleId } from '../bootstrap/template.ts';
import { iamProblems, policiesOf, unlistedWildcardResourceActions, WILDCARD_RESOURCE_ALLOWED } from '../bootstrap/iam-check.ts';
import type { PolicyDocument, PolicyStatement } from '../bootstrap/cfn.ts';
import type { Cluster } from '../config/cluster.ts';
import { SERVICE_ACCOUNTS, type Controller } from '../config/naming.ts';
import { exampleCluster, globMatch, tempConfig } from './helpers.ts';

const base = exampleCluster('dev', tempConfig());
/** A cluster of the same account and region as `base`, with its own name, VPC and hosted zone. */
const clusterNamed = (name: string, zone: string, vpc: string): Cluster => ({ ...base, name, network: { ...base.network, vpcId: vpc }, dns: { ...base.dns, hostedZoneId: zone } });
const blue = clusterNamed('blue', 'ZBLUE00000000001', 'vpc-0b1e0000000000001');
const green = clusterNamed('green', 'ZGREEN0000000001', 'vpc-06ee0000000000001');

const arr = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v as T]);
const CONTROLLERS = Object.keys(SERVICE_ACCOUNTS) as Controller[];
function controllerPolicies(c: Cluster): Array<[Controller, PolicyDocument]> {
  const t = buildBootstrapTemplate(c);
  return CONTROLLERS.map((k) => [k, (t.Resources[controllerRoleId(k)].Properties.Policies as Array<{ PolicyDocument: PolicyDocument }>)[0].PolicyDocument]);
}

const isRead = (action: string) => /^[a-z0-9-]+:(Describe|Get|List)/.test(action);

describe('Resource "*" only where allow-listed, with a reason', () => {
  it.each([['dev', base] as const, ['blue', blue] as const])('%s: every identity statement on "*" has only allow-listed actions', (_n, c) => {
    const wildcard = policiesOf(buildBootstrapTemplate(c))
      .filter((p) => p.kind === 'identity')
      .flatMap((p) => p.document.Statement.filter((s) => s.Effect === 'Allow' && (arr(s.Resource).includes('*') || arr(s.Action).includes('*'))));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard) {
      expect(arr(s.Action)).not.toContain('*');
      expect(unlistedWildcardResourceActions(s), JSON.stringify(s.Sid ?? s.Action)).toEqual([]);
      for (const a of arr(s.Action)) expect(WILDCARD_RESOURCE_ALLOWED[a]).toMatch(/^(read-only|changes an ALB only together with)/);
    }
  });

  it('lists no action that no policy uses (the list stays as short as the policies)', () => {
    const used = new Set(policiesOf(buildBootstrapTemplate(base)).flatMap((p) => p.document.Statement.filter((s) => arr(s.Resource).includes('*')).flatMap((s) => arr(s.Action))));
    expect(Object.keys(WILDCARD_RESOURCE_ALLOWED).filter((a) => !used.has(a))).toEqual([]);
  });

  it("fails the old ALB statements: ingress on any security group, listeners and rules of any load balancer", () => {
    const old: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule'], Resource: '*' },
        { Effect: 'Allow', Action: ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:DescribeRules'], Resource: '*' },
      ],
    };
    expect(iamProblems([{ path: 'P', kind: 'identity', resourceId: 'R', document: old }])).toEqual([
      {
        path: 'P.Statement[0]',
        message:
          'Resource "*" with elasticloadbalancing:CreateListener, elasticloadbalancing:DeleteListener, elasticloadbalancing:CreateRule, elasticloadbalancing:DeleteRule; allowed: resources scoped to this cluster, or "*" only for the actions of WILDCARD_RESOURCE_ALLOWED (bootstrap/iam-check.ts)',
      },
      { path: 'P.Statement[1]', message: expect.stringMatching(/^Resource "\*" with elasticloadbalancing:ModifyListener; allowed: /) },
    ]);
  });
});

/** Tags another cluster's resources carry (and its requests set): every cluster tag the controllers and EKS write. */
function tagsOf(c: Cluster): Record<string, string> {
  return {
    'elbv2.k8s.aws/cluster': c.name,
    'eks-platform/cluster': c.name,
    'efs.csi.aws.com/cluster': 'true',
    [`kubernetes.io/cluster/${c.name}`]: 'owned',
    'aws:eks:cluster-name': c.name,
    'eks:eks-cluster-name': c.name,
    'karpenter.sh/nodepool': 'default',
    'karpenter.k8s.aws/ec2nodeclass': 'default',
    'topology.kubernetes.io/region': c.aws.region,
  };
}

/** Whether the statement's tag conditions (aws:ResourceTag / aws:RequestTag, StringEquals / StringLike) hold for resources and requests tagged `tags`. */
function tagConditionsHold(s: PolicyStatement, tags: Record<string, string>): boolean {
  for (const [operator, entries] of Object.entries(s.Condition ?? {})) {
    if (operator !== 'StringEquals' && operator !== 'StringLike') continue;
    for (const [key, expected] of Object.entries(entries)) {
      const tag = /^aws:(ResourceTag|RequestTag)\/(.+)$/.exec(key)?.[2];
      if (tag === undefined) continue;
      const actual = tags[tag];
      if (actual === undefined || !arr(expected).some((e) => (operator === 'StringLike' ? globMatch(e, actual) : e === actual))) return false;
    }
  }
  return true;
}

/** Whether every resource of the statement is one of `c`'s own: named after it, its hosted zone, VPC, or a resource of its stack. */
const ownResourcesOnly = (s: PolicyStatement, c: Cluster) =>
  arr(s.Resource).every((r) => typeof r !== 'string' || r.includes(c.name) || r.includes(c.dns.hostedZoneId) || r.endsWith(`vpc/${c.network.vpcId}`));

/**
 * Statements that change something but are left unscoped on purpose, with the reason. Each is checked to still exist.
 */
const CROSS_CLUSTER_SAFE: Readonly<Record<string, string>> = {
  'karpenter/AllowScopedEC2InstanceAccessActions':
    'RunInstances/CreateFleet also authorize the shared inputs (AMIs, snapshots, subnets, security groups); the instance and launch-template statements require this cluster\'s tags',
  'alb-controller/CreateElbServiceLinkedRole': 'the ELB service-linked role is one per account; creating it changes nothing of another cluster',
  'alb-controller/WebAclAssociation': 'takes effect only with elasticloadbalancing:SetWebAcl, conditioned on this cluster\'s tag',
};

/** Write statements of `of`'s controller policies that could change or delete resources of `other`. */
function reachingInto(of: Cluster, other: Cluster): string[] {
  return controllerPolicies(of).flatMap(([controller, document]) =>
    document.Statement.filter((s) => s.Effect === 'Allow' && arr(s.Action).some((a) => !isRead(a)))
      .filter((s) => !(`${controller}/${s.Sid}` in CROSS_CLUSTER_SAFE))
      .filter((s) => tagConditionsHold(s, tagsOf(other)) && !ownResourcesOnly(s, of))
      .map((s) => `${controller}/${s.Sid ?? JSON.stringify(s.Action)}`),
  );
}

describe('two clusters in one account (issue 13 #3)', () => {
  it('every write statement names a Sid, so findings and the exceptions above point at one statement', () => {
    for (const [, document] of controllerPolicies(blue)) for (const s of document.Statement) if (arr(s.Action).some((a) => !isRead(a))) expect(s.Sid).toBeTruthy();
    const sids = controllerPolicies(blue).flatMap(([k, d]) => d.Statement.map((s) => `${k}/${s.Sid}`));
    expect(sids).toEqual(expect.arrayContaining(Object.keys(CROSS_CLUSTER_SAFE)));
  });

  it("no controller policy of one cluster can change or delete the other's resources", () => {
    expect(reachingInto(blue, green)).toEqual([]);
    expect(reachingInto(green, blue)).toEqual([]);
  });

  it('conditions each change on the cluster tag value: ALB changes, EFS access point deletion', () => {
    const alb = Object.fromEntries(controllerPolicies(blue))['alb-controller'];
    const sid = (id: string) => alb.Statement.find((s) => s.Sid === id)!;
    expect(sid('ManageOwnSecurityGroups').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'blue' } });
    expect(sid('ManageOwnListenersAndRules').Action).toEqual(expect.arrayContaining(['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:SetRulePriorities']));
    expect(sid('ManageOwnLoadBalancers').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'blue' } });
    expect(sid('ManageOwnTargetGroups').Action).toContain('elasticloadbalancing:DeleteTargetGroup');
    expect(sid('CreateTaggedListenersAndRules').Condition).toEqual({ StringEquals: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'blue' } });
    expect(sid('OpenClusterSecurityGroupToLoadBalancers').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/aws:eks:cluster-name': 'blue' } });
    const efs = Object.fromEntries(controllerPolicies(blue))['efs-csi'];
    expect(efs.Statement.find((s) => s.Action === 'elasticfilesystem:DeleteAccessPoint')!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/eks-platform/cluster': 'blue' } });
  });

  it('the check finds a cluster reaching into another, so the tests above can fail', () => {
    // The upstream forms: any elbv2.k8s.aws/cluster tag, and EFS's constant efs.csi.aws.com/cluster "true".
    const upstream: PolicyStatement[] = [
      { Sid: 'old-alb', Effect: 'Allow', Action: 'elasticloadbalancing:DeleteLoadBalancer', Resource: '*', Condition: { Null: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' } } },
      { Sid: 'old-efs', Effect: 'Allow', Action: 'elasticfilesystem:DeleteAccessPoint', Resource: 'arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/*', Condition: { StringEquals: { 'aws:ResourceTag/efs.csi.aws.com/cluster': 'true' } } },
    ];
    expect(upstream.filter((s) => tagConditionsHold(s, tagsOf(green)) && !ownResourcesOnly(s, blue)).map((s) => s.Sid)).toEqual(['old-alb', 'old-efs']);
    // And a statement scoped to blue applies to blue's own resources.
    const alb = Object.fromEntries(controllerPolicies(blue))['alb-controller'];
    expect(alb.Statement.filter((s) => s.Sid === 'ManageOwnLoadBalancers' && tagConditionsHold(s, tagsOf(blue)))).toHaveLength(1);
  });
});
