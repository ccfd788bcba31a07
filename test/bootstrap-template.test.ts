import { describe, expect, it } from 'vitest';
import { factsSchema } from '../config/cluster.ts';
import { ConfigError } from '../config/load.ts';
import { accessGroup, interruptionQueueName, karpenterNodeRoleName, roleName, SERVICE_ACCOUNTS, type Controller } from '../config/naming.ts';
import type { Problem } from '../config/schema.ts';
import { buildBootstrapTemplate, controllerRoleId, renderBootstrapTemplate, stackName } from '../bootstrap/template.ts';
import { DEFAULT_ADDON_VERSIONS } from '../bootstrap/settings.ts';
import { renderCluster } from '../src/render.ts';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { FIXTURE_CONFIG, fixtureClusters, tempDir } from './helpers.ts';
import { join, resolve } from 'node:path';
import { dump, load } from 'js-yaml';
import { loadClusters } from '../config/load.ts';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';

const CONFIG_DIR = FIXTURE_CONFIG;

function exampleCluster(name: 'dev' | 'prod'): Cluster {
  return fixtureClusters([name])[0];
}

/** Copies the fixture config/ to a temp dir and edits one cluster file there; returns the temp config dir. */
function editedConfig(name: string, edit: (doc: Record<string, unknown>) => void): string {
  const dir = tempDir('bootstrap-test-');
  const configDir = join(dir, 'config');
  cpSync(CONFIG_DIR, configDir, { recursive: true });
  const file = join(configDir, 'clusters', `${name}.yaml`);
  const doc = load(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(doc);
  writeFileSync(file, dump(doc));
  return configDir;
}

function loadEdited(name: string, edit: (doc: Record<string, unknown>) => void): Cluster {
  const configDir = editedConfig(name, edit);
  return loadClusters({ addons: ADDONS, configDir, only: [name], relativeTo: resolve(configDir, '..') })[0];
}

/** The `bootstrap:` block of a parsed cluster file, created when absent. */
function bootstrapBlock(doc: Record<string, unknown>): Record<string, unknown> {
  doc.bootstrap ??= {};
  return doc.bootstrap as Record<string, unknown>;
}

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const dev = exampleCluster('dev');
const prod = exampleCluster('prod');
const devT = buildBootstrapTemplate(dev);
const props = (t: typeof devT, id: string): Props => t.Resources[id].Properties as Props;
const ofType = (t: typeof devT, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

describe('bootstrap template rendering', () => {
  it('is deterministic JSON with 2-space indent and a trailing newline', () => {
    const a = renderBootstrapTemplate(dev);
    expect(renderBootstrapTemplate(exampleCluster('dev'))).toBe(a);
    expect(a.endsWith('}\n')).toBe(true);
    expect(a.split('\n')[1]).toBe('  "AWSTemplateFormatVersion": "2010-09-09",');
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // no timestamps
  });

  it('is written by renderCluster as aws/cloudformation.json', () => {
    expect(renderCluster(dev).files.get('aws/cloudformation.json')).toBe(renderBootstrapTemplate(dev));
    expect(stackName(dev)).toBe('dev-platform-bootstrap');
  });

  it('creates a private, API-authenticated, encrypted and logged cluster from the config', () => {
    const c = props(devT, 'Cluster');
    expect(c.Name).toBe('dev');
    expect(c.Version).toBe('1.33');
    expect(c.ResourcesVpcConfig).toEqual({
      SubnetIds: dev.network.privateSubnetIds,
      SecurityGroupIds: [{ 'Fn::GetAtt': ['EndpointSecurityGroup', 'GroupId'] }],
      EndpointPrivateAccess: true,
      EndpointPublicAccess: false,
    });
    expect(c.AccessConfig).toEqual({ AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false });
    expect(c.EncryptionConfig).toEqual([{ Provider: { KeyArn: { 'Fn::GetAtt': ['KmsKey', 'Arn'] } }, Resources: ['secrets'] }]);
    expect(c.Logging.ClusterLogging.EnabledTypes.map((t: Props) => t.Type)).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(ofType(devT, 'AWS::EKS::Nodegroup')).toEqual([]);
    expect(props(devT, 'KmsKey').EnableKeyRotation).toBe(true);
  });

  it('keeps the key and the file system on deletion and replacement, but not after a failed create of their own', () => {
    for (const id of ['KmsKey', 'EfsFileSystem']) {
      expect(devT.Resources[id], id).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('takes the cluster deletion protection from a parameter (deploy: off for the first create), protected by default', () => {
    expect(props(devT, 'Cluster').DeletionProtection).toEqual({ Ref: 'ClusterDeletionProtection' });
    expect(devT.Parameters.ClusterDeletionProtection).toMatchObject({ AllowedValues: ['true', 'false'], Default: 'true' });
  });

  it('maps access entries to the idp-roles groups, admins with the EKS cluster-admin policy', () => {
    const entries = ofType(buildBootstrapTemplate(prod), 'AWS::EKS::AccessEntry').map(([, r]) => r.Properties as Props);
    const byArn = Object.fromEntries(entries.map((e) => [typeof e.PrincipalArn === 'string' ? e.PrincipalArn : 'node-role', e]));
    expect(byArn['arn:aws:iam::222222222222:role/platform-admins'].KubernetesGroups).toEqual([accessGroup(prod, 'admin')]);
    expect(byArn['arn:aws:iam::222222222222:role/platform-admins'].AccessPolicies[0].PolicyArn).toBe('arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy');
    expect(byArn['arn:aws:iam::222222222222:role/auditors']).toMatchObject({ Type: 'STANDARD', KubernetesGroups: ['platform:reader'] });
    expect(byArn['arn:aws:iam::222222222222:role/auditors'].AccessPolicies).toBeUndefined();
    expect(byArn['node-role']).toEqual({ ClusterName: { Ref: 'Cluster' }, PrincipalArn: { 'Fn::GetAtt': ['KarpenterNodeRole', 'Arn'] }, Type: 'EC2_LINUX' });
    // The management Argo CD's role (argocd.roleArn) is an admin too.
    expect(byArn['arn:aws:iam::222222222222:role/argocd-manager']).toMatchObject({ KubernetesGroups: [accessGroup(prod, 'admin')] });
    expect(byArn['arn:aws:iam::222222222222:role/argocd-manager'].AccessPolicies).toHaveLength(1);
    expect(entries).toHaveLength(5);
  });

  it('pins the managed add-ons and runs CoreDNS on Fargate next to Karpenter', () => {
    const v = DEFAULT_ADDON_VERSIONS['1.33'];
    expect(props(devT, 'AddonVpcCni')).toMatchObject({ AddonName: 'vpc-cni', AddonVersion: v.vpcCni });
    expect(props(devT, 'AddonKubeProxy')).toMatchObject({ AddonName: 'kube-proxy', AddonVersion: 'v1.33.0-eksbuild.2' });
    expect(props(devT, 'AddonCoreDns')).toMatchObject({ AddonName: 'coredns', AddonVersion: v.coreDns });
    expect(JSON.parse(props(devT, 'AddonCoreDns').ConfigurationValues).computeType).toBe('Fargate');
    expect(devT.Resources.AddonCoreDns.DependsOn).toEqual(['FargateProfile']);
    const fargate = props(devT, 'FargateProfile');
    expect(fargate.Selectors[0]).toEqual({ Namespace: SERVICE_ACCOUNTS.karpenter.namespace });
    expect(fargate.Selectors[1]).toEqual({ Namespace: 'kube-system', Labels: [{ Key: 'k8s-app', Value: 'kube-dns' }] });
    expect(fargate.PodExecutionRoleArn).toEqual({ 'Fn::GetAtt': ['FargatePodExecutionRole', 'Arn'] });
  });

  it('names roles, queue and node role by the shared naming convention', () => {
    for (const controller of Object.keys(SERVICE_ACCOUNTS) as Controller[]) {
      expect(props(devT, controllerRoleId(controller)).RoleName).toBe(roleName(dev, controller));
    }
    expect(props(devT, 'KarpenterNodeRole').RoleName).toBe(karpenterNodeRoleName(dev));
    expect(props(devT, 'InterruptionQueue')).toMatchObject({ QueueName: interruptionQueueName(dev), SqsManagedSseEnabled: true });
    const rules = ofType(devT, 'AWS::Events::Rule').map(([, r]) => (r.Properties as Props).EventPattern['detail-type'][0]);
    expect(rules).toEqual([
      'AWS Health Event',
      'EC2 Spot Instance Interruption Warning',
      'EC2 Instance Rebalance Recommendation',
      'EC2 Instance State-change Notification',
      'EC2 Capacity Reservation Instance Interruption Warning',
    ]);
    // Rule names must fit EventBridge's 64 characters even for a 24-character cluster name.
    const longest = Math.max(...ofType(devT, 'AWS::Events::Rule').map(([, r]) => ((r.Properties as Props).Name as string).length - 'dev'.length));
    expect(longest + 24).toBeLessThanOrEqual(64);
  });

  it('creates the Spot service-linked role only under the deploy-time condition, and retains it', () => {
    expect(devT.Resources.SpotServiceLinkedRole).toMatchObject({ Condition: 'CreateSpotServiceLinkedRole', DeletionPolicy: 'Retain', Properties: { AWSServiceName: 'spot.amazonaws.com' } });
    expect(devT.Conditions.CreateSpotServiceLinkedRole).toEqual({ 'Fn::Equals': [{ Ref: 'SpotServiceLinkedRoleExists' }, 'false'] });
    expect(devT.Parameters.SpotServiceLinkedRoleExists.Default).toBe('true');
  });

  it('encrypts EFS with the cluster key, mounts it in every private subnet and admits NFS from the cluster only', () => {
    expect(props(devT, 'EfsFileSystem')).toMatchObject({
      Encrypted: true,
      KmsKeyId: { 'Fn::GetAtt': ['KmsKey', 'Arn'] },
      LifecyclePolicies: [{ TransitionToIA: 'AFTER_7_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }],
      BackupPolicy: { Status: 'DISABLED' },
    });
    expect(props(buildBootstrapTemplate(prod), 'EfsFileSystem').BackupPolicy).toEqual({ Status: 'ENABLED' });
    expect(ofType(devT, 'AWS::EFS::MountTarget').map(([, r]) => (r.Properties as Props).SubnetId)).toEqual(dev.network.privateSubnetIds);
    expect(props(devT, 'EfsIngressFromCluster')).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': ['Cluster', 'ClusterSecurityGroupId'] },
    });
    expect(ofType(devT, 'AWS::EC2::SecurityGroupIngress')).toHaveLength(1);
  });

  it('publishes exactly the facts that factsSchema accepts, under /<cluster>/facts', () => {
    const names = ofType(devT, 'AWS::SSM::Parameter').map(([, r]) => (r.Properties as Props).Name as string);
    expect(names.every((n) => n.startsWith('/dev/facts/'))).toBe(true);
    // Feed plausible values for every published name through the facts schema: unknown keys would be problems.
    const sample: Record<string, string> = {
      clusterEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      oidcProvider: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      efsFileSystemId: 'fs-0123',
      karpenterInterruptionQueue: 'dev-karpenter-interruption',
    };
    const raw: Record<string, unknown> = { roleArns: {} };
    for (const n of names) {
      const key = n.slice('/dev/facts/'.length).split('/');
      if (key[0] === 'roleArns') (raw.roleArns as Record<string, string>)[key[1]] = `arn:aws:iam::111111111111:role/dev-${key[1]}`;
      else raw[key[0]] = sample[key[0]];
    }
    const problems: Problem[] = [];
    factsSchema.check(raw, '', problems);
    expect(problems).toEqual([]);
    expect(Object.keys(raw.roleArns as object).sort()).toEqual(Object.keys(SERVICE_ACCOUNTS).sort());
    expect(props(devT, 'FactOidcProvider').Value).toEqual({ 'Fn::Select': [1, { 'Fn::Split': ['//', { 'Fn::GetAtt': ['Cluster', 'OpenIdConnectIssuerUrl'] }] }] });
  });

  it('opens the public endpoint only to the configured CIDRs, and keeps the creator admin when asked', () => {
    const c = loadEdited('dev', (doc) => {
      Object.assign(bootstrapBlock(doc), { endpoint: { public: true, publicCidrs: ['203.0.113.0/24'] }, clusterCreatorAdmin: true });
    });
    const cp = props(buildBootstrapTemplate(c), 'Cluster');
    expect(cp.ResourcesVpcConfig).toMatchObject({ EndpointPublicAccess: true, EndpointPrivateAccess: true, PublicAccessCidrs: ['203.0.113.0/24'] });
    expect(cp.AccessConfig.BootstrapClusterCreatorAdminPermissions).toBe(true);
  });

  it('uses pinned add-on versions from the config over the defaults', () => {
    const c = loadEdited('dev', (doc) => {
      doc.kubernetesVersion = '1.34';
      bootstrapBlock(doc).addonVersions = { vpcCni: 'v1.20.4-eksbuild.1', kubeProxy: 'v1.34.1-eksbuild.2', coreDns: 'v1.12.4-eksbuild.1' };
    });
    const t = buildBootstrapTemplate(c);
    expect(props(t, 'AddonKubeProxy').AddonVersion).toBe('v1.34.1-eksbuild.2');
    expect(props(t, 'Cluster').Version).toBe('1.34');
  });
});

describe('bootstrap settings validation', () => {
  const failure = (edit: (b: Record<string, unknown>, doc: Record<string, unknown>) => void): string => {
    try {
      const c = loadEdited('dev', (doc) => edit(bootstrapBlock(doc), doc));
      buildBootstrapTemplate(c);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('fails when the public endpoint has no CIDR allow-list', () => {
    expect(failure((b) => (b.endpoint = { public: true }))).toMatch(
      /clusters\/dev\.yaml: bootstrap\.endpoint\.publicCidrs: got \[\] with endpoint\.public true; allowed: at least one CIDR/,
    );
  });

  it('fails when CIDRs are given for a private-only endpoint', () => {
    expect(failure((b) => (b.endpoint = { publicCidrs: ['10.0.0.0/8'] }))).toMatch(/bootstrap\.endpoint\.publicCidrs: got \["10\.0\.0\.0\/8"\] with endpoint\.public false; allowed: \[\]/);
  });

  it('fails on an impossible CIDR and on 0.0.0.0/0', () => {
    expect(failure((b) => (b.endpoint = { public: true, publicCidrs: ['300.0.0.0/8'] }))).toMatch(/bootstrap\.endpoint\.publicCidrs\[0\]: got "300\.0\.0\.0\/8"; allowed: an IPv4 CIDR with octets <= 255/);
    expect(failure((b) => (b.endpoint = { public: true, publicCidrs: ['0.0.0.0/0'] }))).toMatch(/publicCidrs\[0\]: got "0\.0\.0\.0\/0"; allowed: .*not 0\.0\.0\.0\/0/);
  });

  it('fails when a Kubernetes version without default add-on versions pins none', () => {
    expect(failure((_b, doc) => (doc.kubernetesVersion = '1.35'))).toMatch(/bootstrap\.addonVersions\.vpcCni: missing for kubernetesVersion "1\.35"; allowed: a pinned EKS add-on version \(defaults exist only for 1\.33\)/);
  });

  it("fails when kube-proxy does not match the cluster's Kubernetes version", () => {
    expect(failure((b) => (b.addonVersions = { kubeProxy: 'v1.32.0-eksbuild.1' }))).toMatch(
      /bootstrap\.addonVersions\.kubeProxy: got "v1\.32\.0-eksbuild\.1"; allowed: a kube-proxy version of the cluster's Kubernetes version, v1\.33\.x-eksbuild\.N/,
    );
  });

  it('fails when the management Argo CD role has no access entry', () => {
    const message = failure((_b, doc) => {
      doc.argocd = { mode: 'in-cluster', roleArn: 'arn:aws:iam::111111111111:role/argocd-manager' };
    });
    expect(message).toMatch(/bootstrap\.accessEntries: has no entry for argocd\.roleArn "arn:aws:iam::111111111111:role\/argocd-manager"; allowed: add it/);
  });

  it('fails management mode without argocd.roleArn (the management Argo CD would have no access entry)', () => {
    let message = '';
    try {
      buildBootstrapTemplate(loadEdited('prod', (doc) => delete (doc.argocd as Record<string, unknown>).roleArn));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /clusters\/prod\.yaml: argocd\.roleArn: missing with argocd\.mode "management"; allowed: an IAM role ARN in account 222222222222 that the management Argo CD assumes, with an entry in bootstrap\.accessEntries \(or use mode "in-cluster"\)/,
    );
  });

  it('fails on an unknown access level, a non-role ARN and an unknown EFS transition (schema)', () => {
    expect(failure((b) => (b.accessEntries = { 'arn:aws:iam::111111111111:role/x': 'root' }))).toMatch(
      /bootstrap\.accessEntries\.arn:aws:iam::111111111111:role\/x: got "root" \(string\); allowed: one of "admin", "power-user", "observer", "reader"/,
    );
    expect(failure((b) => (b.accessEntries = { 'arn:aws:iam::111111111111:user/bob': 'admin' }))).toMatch(/key "arn:aws:iam::111111111111:user\/bob" is not allowed; allowed: IAM role ARNs/);
    expect(failure((b) => (b.efs = { transitionToIA: 'AFTER_2_DAYS' }))).toMatch(/bootstrap\.efs\.transitionToIA: got "AFTER_2_DAYS" \(string\); allowed: one of "AFTER_1_DAY"/);
  });
});
