import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClusters } from '../config/load.ts';
import { ADDONS } from '../charts/registry.ts';
import { buildBootstrapTemplate } from '../bootstrap/template.ts';
import { checkTemplate, loadSpec, TEMPLATE_BODY_LIMIT } from '../bootstrap/spec-check.ts';
import { templateProblems } from '../bootstrap/checks.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

const clusters = loadClusters({ addons: ADDONS, configDir: resolve(PROJECT_ROOT, 'config'), relativeTo: PROJECT_ROOT });
let db: Awaited<ReturnType<typeof loadSpec>>;
beforeAll(async () => {
  db = await loadSpec();
});

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const devCopy = (): Mutable => structuredClone(buildBootstrapTemplate(clusters.find((c) => c.name === 'dev')!)) as Mutable;
const messages = (t: unknown) => checkTemplate(t, db).map((p) => `${p.path}: ${p.message}`);

describe('bootstrap templates against the CloudFormation resource specification', () => {
  it.each(clusters.map((c) => [c.name, c] as const))('%s passes every offline check', async (_name, cluster) => {
    const template = buildBootstrapTemplate(cluster);
    expect(await templateProblems(template)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(template))).toBeLessThan(TEMPLATE_BODY_LIMIT);
  });

  it('uses only the resource types the issue names', () => {
    const types = new Set(clusters.flatMap((c) => Object.values(buildBootstrapTemplate(c).Resources).map((r) => r.Type)));
    expect([...types].sort()).toEqual(
      [
        'AWS::EC2::SecurityGroup',
        'AWS::EC2::SecurityGroupIngress',
        'AWS::EFS::FileSystem',
        'AWS::EFS::MountTarget',
        'AWS::EKS::AccessEntry',
        'AWS::EKS::Addon',
        'AWS::EKS::Cluster',
        'AWS::EKS::FargateProfile',
        'AWS::Events::Rule',
        'AWS::IAM::OIDCProvider',
        'AWS::IAM::Role',
        'AWS::IAM::ServiceLinkedRole',
        'AWS::KMS::Alias',
        'AWS::KMS::Key',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
        'AWS::SSM::Parameter',
      ].sort(),
    );
  });

  it('fails an unknown resource type', () => {
    const t = devCopy();
    t.Resources.Extra = { Type: 'AWS::EKS::NodeGroupz', Properties: {} };
    expect(messages(t)).toContain('Resources.Extra.Type: resource type AWS::EKS::NodeGroupz does not exist in the CloudFormation specification');
  });

  it('fails an unknown property, also inside nested types', () => {
    const t = devCopy();
    t.Resources.Cluster.Properties.EndpointPublicAccess = true;
    t.Resources.Cluster.Properties.ResourcesVpcConfig.PublicAccess = true;
    const m = messages(t);
    expect(m.some((x) => x.startsWith('Resources.Cluster.Properties.EndpointPublicAccess: unknown property; allowed: AccessConfig,'))).toBe(true);
    expect(m.some((x) => x.startsWith('Resources.Cluster.Properties.ResourcesVpcConfig.PublicAccess: unknown property'))).toBe(true);
  });

  it('fails a missing required property', () => {
    const t = devCopy();
    delete t.Resources.EfsMountTargetSubnet0a1b2c3d4e5f60011.Properties.SecurityGroups;
    delete t.Resources.FargateProfile.Properties.Selectors[1].Namespace;
    expect(messages(t).sort()).toEqual([
      'Resources.EfsMountTargetSubnet0a1b2c3d4e5f60011.Properties.SecurityGroups: required property is missing',
      'Resources.FargateProfile.Properties.Selectors[1].Namespace: required property is missing',
    ]);
  });

  it('fails wrong primitive types and values outside the allowed set', () => {
    const t = devCopy();
    t.Resources.EfsIngressFromCluster.Properties.FromPort = '2049';
    t.Resources.KmsKey.Properties.EnableKeyRotation = 'true';
    t.Resources.Cluster.Properties.AccessConfig.AuthenticationMode = 'IAM';
    t.Resources.Cluster.Properties.Tags = [{ Key: 'a' }];
    expect(messages(t)).toEqual([
      'Resources.KmsKey.Properties.EnableKeyRotation: got "true"; expected a boolean',
      'Resources.Cluster.Properties.AccessConfig.AuthenticationMode: got "IAM"; expected one of CONFIG_MAP, API_AND_CONFIG_MAP, API',
      'Resources.Cluster.Properties.Tags[0]: got {"Key":"a"}; expected a tag {Key, Value}',
      'Resources.EfsIngressFromCluster.Properties.FromPort: got "2049"; expected an integer',
    ]);
  });

  it('fails Ref, GetAtt and Sub targets that do not exist, and undefined conditions', () => {
    const t = devCopy();
    t.Resources.KmsKeyAlias.Properties.TargetKeyId = { Ref: 'KmsKeyy' };
    t.Outputs.ClusterSecurityGroupId.Value = { 'Fn::GetAtt': ['Cluster', 'SecurityGroupId'] };
    t.Resources.ExternalDnsRole.Properties.AssumeRolePolicyDocument['Fn::Sub'][1] = {};
    t.Resources.SpotServiceLinkedRole.Condition = 'Nope';
    t.Resources.AddonCoreDns.DependsOn = ['FargateProfil'];
    const m = messages(t);
    expect(m).toContain('Resources.KmsKeyAlias.Properties.TargetKeyId: Ref target KmsKeyy is neither a resource, a parameter nor a pseudo parameter');
    expect(m.find((x) => x.startsWith('Outputs.ClusterSecurityGroupId.Value: AWS::EKS::Cluster has no attribute SecurityGroupId; allowed: Endpoint, ClusterSecurityGroupId'))).toBeTruthy();
    expect(m).toContain('Resources.ExternalDnsRole.Properties.AssumeRolePolicyDocument ${OidcIssuer}: Ref target OidcIssuer is neither a resource, a parameter nor a pseudo parameter');
    expect(m).toContain('Resources.SpotServiceLinkedRole.Condition: condition Nope is not defined');
    expect(m).toContain('Resources.AddonCoreDns.DependsOn: FargateProfil is not a resource of this template');
  });
});
