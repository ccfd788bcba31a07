/**
 * How Argo CD reaches and runs on a cluster, AWS side: the private endpoint's security group (management mode and
 * the VPN), the role the management Argo CD assumes, the EKS managed Argo CD (`eks-capability`), Argo CD on Fargate
 * before nodes exist (`in-cluster`), and CoreDNS autoscaling.
 */
import { describe, expect, it } from 'vitest';
import { buildBootstrapTemplate } from '../bootstrap/template.ts';
import { templateProblems } from '../bootstrap/checks.ts';
import type { CfnTemplate } from '../bootstrap/cfn.ts';
import { ConfigError } from '../config/load.ts';
import { configErrors, editCluster, exampleCluster, parse, render, tempConfig } from './helpers.ts';

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const props = (t: CfnTemplate, id: string): Props => t.Resources[id]?.Properties as Props;

/** The bootstrap template of a fixture cluster after `edit`. */
function template(name: string, edit: (d: Record<string, any>) => void): CfnTemplate {
  const dir = tempConfig();
  editCluster(dir, name, edit);
  return buildBootstrapTemplate(exampleCluster(name, dir));
}

/** Problems the bootstrap settings checks throw for a fixture cluster after `edit`. */
function bootstrapErrors(name: string, edit: (d: Record<string, any>) => void): string[] {
  try {
    template(name, edit);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

const CAPABILITY = {
  identityCenterInstanceArn: 'arn:aws:sso:::instance/ssoins-0123456789abcdef',
  groups: { ADMIN: ['a1b2c3d4-0000-1111-2222-333344445555'], VIEWER: ['f1e2d3c4-0000-1111-2222-333344445555'] },
  users: { ADMIN: ['90670000-aaaa-bbbb-cccc-ddddeeeeffff'] },
};

describe('private endpoint security group', () => {
  it('admits TCP 443 from exactly the configured CIDRs, prefix list and security group, and is attached to the cluster', () => {
    const t = template('prod', (d) => {
      d.bootstrap.endpoint = { privateAccessFrom: { cidrs: ['10.0.0.0/16', 'fd00:10::/56'], prefixListIds: ['pl-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } };
    });
    const sg = props(t, 'EndpointSecurityGroup');
    const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
    expect(sg.SecurityGroupIngress).toEqual([
      { ...https, CidrIp: '10.0.0.0/16', Description: 'API server from 10.0.0.0/16' },
      { ...https, CidrIpv6: 'fd00:10::/56', Description: 'API server from fd00:10::/56' },
      { ...https, SourcePrefixListId: 'pl-0123456789abcdef0', Description: 'API server from prefix list pl-0123456789abcdef0' },
      { ...https, SourceSecurityGroupId: 'sg-0123456789abcdef0', Description: 'API server from security group sg-0123456789abcdef0' },
    ]);
    // No egress of its own: without a rule CloudFormation would add allow-all.
    expect(sg.SecurityGroupEgress).toEqual([{ IpProtocol: 'icmp', FromPort: 252, ToPort: 86, CidrIp: '255.255.255.255/32', Description: 'No egress' }]);
    expect(sg.VpcId).toBe('vpc-0f1e2d3c4b5a60002');
    expect(props(t, 'Cluster').ResourcesVpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': ['EndpointSecurityGroup', 'GroupId'] }]);
    // Nothing else in the stack opens the API server.
    const ingress = Object.values(t.Resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress');
    expect(ingress.map((r) => (r.Properties as Props).FromPort)).toEqual([2049]);
  });

  it.each(['0.0.0.0/0', '::/0'])('refuses %s at load', (cidr) => {
    const dir = tempConfig();
    editCluster(dir, 'prod', (d) => (d.bootstrap.endpoint = { privateAccessFrom: { cidrs: [cidr] } }));
    expect(configErrors(dir)).toEqual([
      `clusters/prod.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[0]: got "${cidr}" (string); allowed: an IPv4 or IPv6 CIDR narrower than /0 (never 0.0.0.0/0 or ::/0), such as "10.20.0.0/16"`,
    ]);
  });

  it('refuses a management-mode cluster that admits no source, and an impossible range', () => {
    expect(bootstrapErrors('prod', (d) => delete d.bootstrap.endpoint)).toEqual([
      `clusters/prod.yaml: bootstrap.endpoint.privateAccessFrom: got no sources with argocd.mode "management"; allowed: the management Argo CD's CIDRs, prefix list or security group (the private endpoint admits nothing else)`,
    ]);
    expect(bootstrapErrors('dev', (d) => (d.bootstrap.endpoint.privateAccessFrom.cidrs = ['10.300.0.0/16']))).toEqual([
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[0]: got "10.300.0.0/16": octets must be <= 255; allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
    ]);
  });

  it('refuses public and very wide ranges that together admit the internet (0.0.0.0/1 + 128.0.0.0/1, 1.0.0.0/8, 2000::/3)', () => {
    expect(bootstrapErrors('dev', (d) => (d.bootstrap.endpoint.privateAccessFrom.cidrs = ['0.0.0.0/1', '128.0.0.0/1', '1.0.0.0/8', '10.0.0.0/7', '2000::/3']))).toEqual([
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[0]: got "0.0.0.0/1": not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[1]: got "128.0.0.0/1": not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[2]: got "1.0.0.0/8": not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[3]: got "10.0.0.0/7": not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
      'clusters/dev.yaml: bootstrap.endpoint.privateAccessFrom.cidrs[4]: got "2000::/3": prefix /3 is wider than /32; allowed: a private IPv4 range or an IPv6 range of /32 or narrower (the management cluster\'s or the VPN\'s)',
    ]);
    expect(bootstrapErrors('dev', (d) => (d.bootstrap.endpoint.privateAccessFrom.cidrs = ['172.20.0.0/16', '192.168.10.0/24', '100.64.0.0/10', 'fd00:10::/56']))).toEqual([]);
  });
});

describe('the role the management Argo CD assumes', () => {
  const trusted = ['arn:aws:iam::333333333333:role/mgmt-argocd-server', 'arn:aws:iam::333333333333:role/mgmt-argocd-controller'];
  const created = (d: Record<string, any>) => {
    d.argocd.roleArn = 'arn:aws:iam::222222222222:role/platform/argocd-manager';
    d.argocd.roleTrustedBy = trusted;
    d.bootstrap.accessEntries = { 'arn:aws:iam::222222222222:role/platform-admins': 'admin' };
  };

  it('is created trusting exactly the management Argo CD roles, with its own admin access entry', () => {
    const t = template('prod', created);
    expect(props(t, 'ArgoCdManagerRole')).toMatchObject({
      RoleName: 'argocd-manager',
      Path: '/platform/',
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [...trusted].sort() }, Action: 'sts:AssumeRole' }] },
    });
    expect(props(t, 'ArgoCdManagerRole').Policies).toBeUndefined();
    expect(props(t, 'ArgoCdManagerRole').ManagedPolicyArns).toBeUndefined();
    // The entry waits for the role through its Fn::GetAtt (CloudFormation orders by references; no DependsOn needed).
    expect(props(t, 'ArgoCdManagerAccessEntry')).toMatchObject({
      PrincipalArn: { 'Fn::GetAtt': ['ArgoCdManagerRole', 'Arn'] },
      AccessPolicies: [{ PolicyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', AccessScope: { Type: 'cluster' } }],
    });
  });

  it('is not created without roleTrustedBy (the role then exists outside the stack)', () => {
    expect(buildBootstrapTemplate(exampleCluster('prod')).Resources.ArgoCdManagerRole).toBeUndefined();
  });

  it('refuses a created role that is also in accessEntries, in another account, or roleTrustedBy outside management mode', () => {
    const errors = bootstrapErrors('prod', (d) => {
      created(d);
      d.argocd.roleArn = 'arn:aws:iam::444444444444:role/argocd-manager';
      d.bootstrap.accessEntries[d.argocd.roleArn] = 'admin';
    });
    expect(errors).toEqual([
      'clusters/prod.yaml: argocd.roleArn: got "arn:aws:iam::444444444444:role/argocd-manager"; allowed: a role in account 222222222222, where the stack creates it (argocd.roleTrustedBy is set)',
      'clusters/prod.yaml: bootstrap.accessEntries: has an entry for argocd.roleArn "arn:aws:iam::444444444444:role/argocd-manager"; allowed: none, the stack creates that role and its admin access entry (argocd.roleTrustedBy is set)',
    ]);
    const [line, ...more] = bootstrapErrors('dev', (d) => (d.argocd.roleTrustedBy = trusted));
    expect(line).toMatch(/^clusters\/dev\.yaml: argocd\.roleTrustedBy: got \["arn:aws:iam::333333333333:role\/mgmt-argocd-server".* with argocd\.mode "in-cluster"; allowed: \[\] \(only "management" uses it\)$/);
    expect(more).toEqual([]);
  });
});

describe('argocd.mode eks-capability', () => {
  const capability = (d: Record<string, any>) => (d.argocd = { mode: 'eks-capability', capability: CAPABILITY });

  it('creates the ARGOCD capability with its Identity Center settings, RBAC mappings and a role only EKS capabilities assume', async () => {
    const t = template('dev', capability);
    expect(props(t, 'ArgoCdCapability')).toEqual({
      ClusterName: { Ref: 'Cluster' },
      CapabilityName: 'argocd',
      Type: 'ARGOCD',
      RoleArn: { 'Fn::GetAtt': ['ArgoCdCapabilityRole', 'Arn'] },
      DeletePropagationPolicy: 'RETAIN',
      Configuration: {
        ArgoCd: {
          Namespace: 'argocd',
          AwsIdc: { IdcInstanceArn: CAPABILITY.identityCenterInstanceArn, IdcRegion: 'eu-west-1' },
          RbacRoleMappings: [
            {
              Role: 'ADMIN',
              Identities: [
                { Id: CAPABILITY.groups.ADMIN[0], Type: 'SSO_GROUP' },
                { Id: CAPABILITY.users.ADMIN[0], Type: 'SSO_USER' },
              ],
            },
            { Role: 'VIEWER', Identities: [{ Id: CAPABILITY.groups.VIEWER[0], Type: 'SSO_GROUP' }] },
          ],
        },
      },
      Tags: [{ Key: 'eks-platform/cluster', Value: 'dev' }],
    });
    expect(props(t, 'ArgoCdCapabilityRole').AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'capabilities.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
    });
    expect(props(t, 'ArgoCdCapabilityRole').Policies).toBeUndefined();
    expect(t.Outputs.ArgoCdServerUrl.Value).toEqual({ 'Fn::GetAtt': ['ArgoCdCapability', 'Configuration.ArgoCd.ServerUrl'] });
    // Every property against @aws-cdk/aws-service-spec, and the IAM checks.
    expect(await templateProblems(t)).toEqual([]);
    // No self-managed Argo CD to schedule on Fargate.
    expect(t.Resources.FargateProfileArgoCd).toBeUndefined();
  });

  it('renders the root app and the add-ons for the cluster by its ARN, registers it, and renders the argocd-cm the capability reads (health check)', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', capability);
    const out = render('dev', dir);
    const arn = 'arn:aws:eks:eu-west-1:111111111111:cluster/dev';
    expect(parse(out, 'bootstrap/application_argocd_dev-root.yaml').spec.destination).toEqual({ server: arn, namespace: 'argocd' });
    expect(parse(out, 'apps/application_argocd_dev-karpenter.yaml').spec.destination.server).toBe(arn);
    const project = parse(out, 'apps/appproject_argocd_dev-platform.yaml');
    expect(project.spec.destinations.every((d: Props) => d.server === arn && d.namespace !== 'argocd')).toBe(true);
    expect(parse(out, 'bootstrap/secret_argocd_dev-local.yaml')).toMatchObject({
      metadata: { labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      stringData: { name: 'dev', server: arn },
    });
    expect([...out.files.keys()].filter((f) => f.includes('argocd-cm'))).toEqual(['bootstrap/configmap_argocd_argocd-cm.yaml']);
  });

  it('needs its capability settings, which no other mode takes', () => {
    expect(bootstrapErrors('dev', (d) => (d.argocd = { mode: 'eks-capability' }))).toEqual([
      'clusters/dev.yaml: argocd.capability: missing with argocd.mode "eks-capability"; allowed: identityCenterInstanceArn and the groups/users per Argo CD role',
    ]);
    expect(bootstrapErrors('dev', (d) => (d.argocd.capability = CAPABILITY))).toEqual([
      'clusters/dev.yaml: argocd.capability: got settings with argocd.mode "in-cluster"; allowed: nothing (only "eks-capability" uses them)',
    ]);
  });
});

describe('in-cluster Argo CD before nodes exist', () => {
  it("runs on Fargate: a second profile selects argocd.namespace, after the first (one profile change at a time)", () => {
    const t = template('dev', (d) => (d.argocd.namespace = 'gitops'));
    expect(t.Resources.FargateProfileArgoCd.DependsOn).toEqual(['FargateProfile']);
    expect(props(t, 'FargateProfileArgoCd')).toMatchObject({ FargateProfileName: 'argocd', Selectors: [{ Namespace: 'gitops' }] });
    // The first profile is unchanged (changing its selectors would replace it, which fails under the same name).
    expect(props(t, 'FargateProfile').Selectors).toEqual([{ Namespace: 'karpenter' }, { Namespace: 'kube-system', Labels: [{ Key: 'k8s-app', Value: 'kube-dns' }] }]);
  });

  it('is not scheduled on this cluster in management mode', () => {
    expect(buildBootstrapTemplate(exampleCluster('prod')).Resources.FargateProfileArgoCd).toBeUndefined();
  });
});

describe('CoreDNS', () => {
  it.each([
    ['dev', 2, 4],
    ['staging', 2, 8],
    ['prod', 3, 20],
  ])('%s: autoscales on Fargate between %i and %i replicas through the EKS add-on configuration', (environment, min, max) => {
    const t = template('dev', (d) => (d.environment = environment));
    expect(JSON.parse(props(t, 'AddonCoreDns').ConfigurationValues)).toEqual({
      computeType: 'Fargate',
      resources: { limits: { cpu: '0.25', memory: '256M' }, requests: { cpu: '0.25', memory: '256M' } },
      autoScaling: { enabled: true, minReplicas: min, maxReplicas: max },
    });
  });

  it('says how to list valid add-on versions when a Kubernetes version has no defaults', () => {
    const errors = bootstrapErrors('dev', (d) => (d.kubernetesVersion = '1.34'));
    expect(errors).toContain(
      `clusters/dev.yaml: bootstrap.addonVersions.coreDns: missing for kubernetesVersion "1.34"; allowed: a pinned EKS add-on version (defaults exist only for 1.33); list them with \`aws eks describe-addon-versions --addon-name coredns --kubernetes-version 1.34 --query 'addons[].addonVersions[].addonVersion'\``,
    );
    expect(errors).toHaveLength(3);
  });
});
