import { describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNTS, type Controller } from '../config/naming.ts';
import { buildBootstrapTemplate, controllerRoleId } from '../bootstrap/template.ts';
import { iamProblems, policiesOf, trustedServiceAccount, wildcardActions } from '../bootstrap/iam-check.ts';
import type { PolicyDocument } from '../bootstrap/cfn.ts';
import { fixtureClusters } from './helpers.ts';

const clusters = fixtureClusters();
const dev = clusters.find((c) => c.name === 'dev')!;
const devT = buildBootstrapTemplate(dev);
const policies = policiesOf(devT);
const identity = (id: string) => policies.find((p) => p.resourceId === id && p.kind === 'identity')!.document;
const allowed = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === 'Allow');
const resourcesOf = (doc: PolicyDocument, action: string) =>
  allowed(doc)
    .filter((s) => ([] as string[]).concat(s.Action).includes(action))
    .flatMap((s) => ([] as unknown[]).concat(s.Resource));

describe('IAM documents of the bootstrap templates', () => {
  it.each(clusters.map((c) => [c.name, c] as const))('%s: no wildcard actions, every IRSA trust scoped to one service account', (_n, c) => {
    const all = policiesOf(buildBootstrapTemplate(c));
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(iamProblems(all)).toEqual([]);
    for (const p of all) for (const s of p.document.Statement) expect(wildcardActions(s)).toEqual([]);
  });

  it.each(Object.keys(SERVICE_ACCOUNTS) as Controller[])('%s role trusts exactly its own service account with the STS audience', (controller) => {
    const role = devT.Resources[controllerRoleId(controller)].Properties as Record<string, { 'Fn::Sub': [string, Record<string, unknown>] }>;
    const [text, vars] = role.AssumeRolePolicyDocument['Fn::Sub'];
    const trust = JSON.parse(text) as PolicyDocument;
    const sa = SERVICE_ACCOUNTS[controller];
    expect(trustedServiceAccount(trust)).toEqual({ subject: `system:serviceaccount:${sa.namespace}:${sa.name}` });
    expect(trust.Statement[0].Principal).toEqual({ Federated: '${OidcProviderArn}' });
    expect(trust.Statement[0].Condition!.StringEquals['${OidcIssuer}:aud']).toBe('sts.amazonaws.com');
    expect(vars.OidcProviderArn).toEqual({ Ref: 'OidcProvider' });
  });

  it('limits Route 53 changes to the cluster hosted zone, and cert-manager to TXT challenge records', () => {
    const zone = `arn:aws:route53:::hostedzone/${dev.dns.hostedZoneId}`;
    expect(resourcesOf(identity('ExternalDnsRole'), 'route53:ChangeResourceRecordSets')).toEqual([zone]);
    const cm = allowed(identity('CertManagerRole')).find((s) => s.Action === 'route53:ChangeResourceRecordSets')!;
    expect(cm.Resource).toBe(zone);
    expect(cm.Condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
    });
  });

  it('lets External Secrets read only /<cluster>/apps and decrypt only with the cluster key via SSM', () => {
    const doc = identity('ExternalSecretsRole');
    expect(resourcesOf(doc, 'ssm:GetParametersByPath')).toEqual(['arn:aws:ssm:eu-west-1:111111111111:parameter/dev/apps', 'arn:aws:ssm:eu-west-1:111111111111:parameter/dev/apps/*']);
    const decrypt = allowed(doc).find((s) => s.Action === 'kms:Decrypt')!;
    expect(decrypt.Resource).toEqual({ 'Fn::GetAtt': ['KmsKey', 'Arn'] });
    expect(decrypt.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } });
  });

  it('scopes Karpenter to its node role, queue and cluster, and EFS CSI to the cluster file system', () => {
    const k = identity('KarpenterRole');
    expect(resourcesOf(k, 'iam:PassRole')).toEqual(['arn:aws:iam::111111111111:role/dev-karpenter-node']);
    expect(resourcesOf(k, 'sqs:ReceiveMessage')).toEqual(['arn:aws:sqs:eu-west-1:111111111111:dev-karpenter-interruption']);
    expect(resourcesOf(k, 'eks:DescribeCluster')).toEqual(['arn:aws:eks:eu-west-1:111111111111:cluster/dev']);
    expect(resourcesOf(identity('EfsCsiRole'), 'elasticfilesystem:CreateAccessPoint')).toEqual([{ 'Fn::GetAtt': ['EfsFileSystem', 'Arn'] }]);
  });

  it('lets EFS CSI tag only access points it is creating, with the cluster tag (tag-on-create)', () => {
    const tag = allowed(identity('EfsCsiRole')).filter((s) => ([] as string[]).concat(s.Action).includes('elasticfilesystem:TagResource'));
    expect(tag).toHaveLength(1);
    expect(tag[0].Resource).toBe('arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/*');
    expect(tag[0].Condition).toEqual({
      StringEquals: { 'aws:RequestTag/eks-platform/cluster': 'dev', 'elasticfilesystem:CreateAction': 'CreateAccessPoint' },
      StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' },
    });
  });

  it('gives Karpenter the v1.14 permissions: capacity reservations, placement groups, instance-profile listing, zonal shift', () => {
    const k = identity('KarpenterRole');
    const run = resourcesOf(k, 'ec2:RunInstances');
    expect(run).toContain('arn:aws:ec2:eu-west-1:111111111111:capacity-reservation/*');
    expect(run).toContain('arn:aws:ec2:eu-west-1:111111111111:placement-group/*');
    const reads = allowed(k).find((s) => s.Sid === 'AllowRegionalReadActions')!;
    expect(reads.Action).toEqual(expect.arrayContaining(['ec2:DescribeCapacityReservations', 'ec2:DescribeInstanceStatus', 'ec2:DescribePlacementGroups']));
    expect(resourcesOf(k, 'iam:ListInstanceProfiles')).toEqual(['*']);
    const zonal = allowed(k).find((s) => s.Action === 'arc-zonal-shift:GetManagedResource')!;
    expect(zonal.Condition).toEqual({ StringEquals: { 'arc-zonal-shift:ResourceIdentifier': 'arn:aws:eks:eu-west-1:111111111111:cluster/dev' } });
    const node = devT.Resources.KarpenterNodeRole.Properties.ManagedPolicyArns as string[];
    expect(node).toContain('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly');
  });

  it('does not let External Secrets list parameters account-wide (no ssm:DescribeParameters: no find by tag)', () => {
    const actions = allowed(identity('ExternalSecretsRole')).flatMap((s) => ([] as string[]).concat(s.Action));
    expect(actions).not.toContain('ssm:DescribeParameters');
    expect(actions).toEqual(expect.arrayContaining(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']));
  });

  it("keeps every role's inline policies under IAM's 10,240-character limit", () => {
    for (const [id, r] of Object.entries(devT.Resources)) {
      if (r.Type !== 'AWS::IAM::Role') continue;
      const inline = ((r.Properties.Policies as Array<{ PolicyDocument: unknown }>) ?? []).map((p) => JSON.stringify(p.PolicyDocument).replace(/\s/g, ''));
      expect(inline.join('').length, id).toBeLessThan(10_240);
    }
  });

  it('fails a wildcard action in an Allow statement (but not in a Deny)', () => {
    const doc: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 'ec2:*'], Resource: 'arn:aws:s3:::b/*' },
        { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' },
        { Effect: 'Deny', Action: 'sqs:*', Resource: '*' },
      ],
    };
    expect(iamProblems([{ path: 'P', kind: 'identity', resourceId: 'R', document: doc }])).toEqual([
      { path: 'P.Statement[0]', message: 'wildcard actions ec2:*; allowed: explicit actions only' },
      { path: 'P.Statement[1]', message: 'wildcard actions *; allowed: explicit actions only' },
    ]);
  });

  it('fails a web-identity trust not scoped to one service account', () => {
    const trust = (condition: Record<string, Record<string, string | string[]>>): PolicyDocument => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
    });
    const problem = (c: Record<string, Record<string, string | string[]>>) => iamProblems([{ path: 'T', kind: 'trust', resourceId: 'R', document: trust(c) }]);
    expect(problem({ StringLike: { 'i:sub': 'system:serviceaccount:karpenter:*' } })).toEqual([{ path: 'T', message: 'conditions must be StringEquals only (got StringLike)' }]);
    expect(problem({ StringEquals: { 'i:sub': ['system:serviceaccount:a:b', 'system:serviceaccount:c:d'], 'i:aud': 'sts.amazonaws.com' } })).toEqual([
      { path: 'T', message: 'the :sub condition must name one service account, got ["system:serviceaccount:a:b","system:serviceaccount:c:d"]' },
    ]);
    expect(problem({ StringEquals: { 'i:sub': 'system:serviceaccount:a:b' } })).toEqual([{ path: 'T', message: 'the :aud condition must be "sts.amazonaws.com"' }]);
    expect(problem({})).toEqual([{ path: 'T', message: 'conditions must be StringEquals only (got none)' }]);
  });
});
