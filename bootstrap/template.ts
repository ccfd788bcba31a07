/**
 * The AWS bootstrap of one cluster as a CloudFormation template: everything that must exist before Argo CD can sync
 * (KMS key, EKS cluster with access entries and managed add-ons, IRSA roles, Fargate for Karpenter, Karpenter's
 * node role and interruption queue, the Spot service-linked role, EFS) and the facts published to SSM.
 * Pure and deterministic: same config, same bytes. `renderBootstrapTemplate` is what synth writes to
 * `dist/<cluster>/aws/cloudformation.json`.
 */
import { createHash } from 'node:crypto';
import type { AccessEntry, Cluster } from '../config/cluster.ts';
import {
  accessGroup,
  appParameterPrefix,
  factsParameterPath,
  interruptionQueueName,
  karpenterNodeRoleName,
  KARPENTER_NAMESPACE,
  roleName,
  SERVICE_ACCOUNTS,
  type Controller,
} from '../config/naming.ts';
import { CLUSTER_LABEL } from '../config/labels.ts';
import { getAtt, partitionOf, pascal, ref, sub, type CfnOutput, type CfnResource, type CfnTemplate, type Intrinsic, type PolicyDocument, type Value } from './cfn.ts';
import { CONTROLLER_POLICIES, irsaTrustPolicy, kmsKeyPolicy, serviceTrustPolicy, type PolicyContext } from './iam/index.ts';
import { addonVersions, assertBootstrapSettings } from './settings.ts';

/** Template parameter the deploy command sets after checking whether the account already has the Spot role. */
export const SPOT_ROLE_PARAMETER = 'SpotServiceLinkedRoleExists';
export const SPOT_ROLE_CONDITION = 'CreateSpotServiceLinkedRole';
/** Name of the Spot service-linked role; one per account. */
export const SPOT_ROLE_NAME = 'AWSServiceRoleForEC2Spot';
/**
 * Template parameter for the cluster's DeletionProtection: `bootstrap deploy` sets "false" for the first create and
 * "true" for every update. EKS refuses to delete a protected ACTIVE cluster, so a protected cluster would turn a
 * failed first create into ROLLBACK_FAILED instead of a clean rollback.
 */
export const DELETION_PROTECTION_PARAMETER = 'ClusterDeletionProtection';

/** Logical ids whose replacement or removal loses state (the cluster, the file system and the key encrypting both). */
export const STATEFUL_RESOURCES = ['Cluster', 'EfsFileSystem', 'KmsKey'] as const;

/** IRSA controllers in template order. */
const CONTROLLERS = Object.keys(SERVICE_ACCOUNTS) as Controller[];

/** Logical id of a controller's IAM role, e.g. `AlbControllerRole`. */
export function controllerRoleId(controller: Controller): string {
  return `${pascal(controller)}Role`;
}

/** CloudFormation stack name of a cluster's bootstrap. */
export function stackName(cluster: Pick<Cluster, 'name'>): string {
  return `${cluster.name}-platform-bootstrap`;
}

/** Kubernetes groups the admin level also gets AmazonEKSClusterAdminPolicy for: see docs/aws-bootstrap.md. */
const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

/**
 * CoreDNS replicas per environment, for the EKS coredns add-on's `autoScaling` (EKS scales between them by the
 * cluster's nodes and CPU cores; each replica is one 0.25 vCPU Fargate pod). The add-on's configuration schema
 * (`aws eks describe-addon-configuration --addon-name coredns --addon-version <v>`, v1.12) takes `enabled`,
 * `minReplicas` (at least 2) and `maxReplicas`.
 */
export const COREDNS_REPLICAS: Readonly<Record<Cluster['environment'], { readonly minReplicas: number; readonly maxReplicas: number }>> = {
  dev: { minReplicas: 2, maxReplicas: 4 },
  staging: { minReplicas: 2, maxReplicas: 8 },
  prod: { minReplicas: 3, maxReplicas: 20 },
};

const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** Stable logical id for an access entry: readable role name plus a short hash of the full ARN (names can repeat across accounts). */
/** An access entry's AmazonEKSClusterAdminPolicy association, cluster-wide. */
function clusterAdminPolicy(partition: string): Array<{ PolicyArn: string; AccessScope: { Type: 'cluster' } }> {
  return [{ PolicyArn: `arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`, AccessScope: { Type: 'cluster' } }];
}

function accessEntryId(roleArn: string): string {
  const name = roleArn.split('/').pop() ?? roleArn;
  return `AccessEntry${pascal(name).slice(0, 200)}${createHash('sha256').update(roleArn).digest('hex').slice(0, 8)}`;
}

/**
 * Kubernetes groups of an access entry: its level's group (see accessGroup), then the groups of each custom role it
 * names (`addons.idp-roles.customRoles[].groups`), without repeats. idp-roles reports unknown role names at load.
 */
export function accessEntryGroups(cluster: Pick<Cluster, 'addons'>, entry: AccessEntry): string[] {
  const roles = (cluster.addons['idp-roles']?.settings.customRoles ?? []) as ReadonlyArray<{ readonly name: string; readonly groups: readonly string[] }>;
  const custom = entry.customRoles.flatMap((name) => roles.find((r) => r.name === name)?.groups ?? []);
  return [...new Set([accessGroup(cluster, entry.level), ...custom])];
}

/** A trust or permission policy whose keys need values known only at deploy time, as a `Fn::Sub` JSON string. */
function subJson(document: PolicyDocument, variables: Readonly<Record<string, unknown>>): Intrinsic {
  return sub(JSON.stringify(document), variables);
}

function tags(cluster: Cluster, extra: Record<string, string> = {}): Array<{ Key: string; Value: string }> {
  return Object.entries({ [CLUSTER_LABEL]: cluster.name, ...extra }).map(([Key, Value]) => ({ Key, Value }));
}

type Resources = Record<string, CfnResource>;

/** What every section of the template reads: the cluster, its partition and the IAM policy context. */
interface TemplateScope {
  readonly cluster: Cluster;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  /** e.g. `aws`, `aws-cn`. */
  readonly partition: string;
  /** e.g. `amazonaws.com`, `amazonaws.com.cn`. */
  readonly urlSuffix: string;
  readonly settings: Cluster['bootstrap'];
  readonly ctx: PolicyContext;
  /** ARN of an AWS managed policy by name. */
  readonly managedPolicy: (policy: string) => string;
}

function templateScope(cluster: Cluster): TemplateScope {
  const { partition, urlSuffix } = partitionOf(cluster.aws.region);
  const { accountId, region } = cluster.aws;
  const name = cluster.name;
  const iamRole = (role: string) => `arn:${partition}:iam::${accountId}:role/${role}`;
  const ctx: PolicyContext = {
    cluster: name,
    accountId,
    region,
    partition,
    urlSuffix,
    vpcId: cluster.network.vpcId,
    hostedZoneId: cluster.dns.hostedZoneId,
    interruptionQueueArn: `arn:${partition}:sqs:${region}:${accountId}:${interruptionQueueName(cluster)}`,
    karpenterNodeRoleArn: iamRole(karpenterNodeRoleName(cluster)),
    appParameterPrefix: appParameterPrefix(cluster),
    kmsKeyArn: getAtt('KmsKey', 'Arn'),
    fileSystemArn: getAtt('EfsFileSystem', 'Arn'),
  };
  return { cluster, name, accountId, region, partition, urlSuffix, settings: cluster.bootstrap, ctx, managedPolicy: (policy) => `arn:${partition}:iam::aws:policy/${policy}` };
}

/** The OIDC issuer host and path (no scheme) of the cluster, as IRSA trust policies and the oidcProvider fact need it. */
const oidcIssuer = { 'Fn::Select': [1, { 'Fn::Split': ['//', getAtt('Cluster', 'OpenIdConnectIssuerUrl')] }] };

/** KMS: one key for Kubernetes secrets, EFS and the application parameters External Secrets reads. */
function kmsSection(s: TemplateScope): Resources {
  const { cluster, ctx, name } = s;
  const resources: Resources = {};
  resources.KmsKey = {
    Type: 'AWS::KMS::Key',
    // Kept when the stack is deleted or the key replaced, but deleted when the create that made it rolls back
    // (plain Retain leaked a key, and its 30-day deletion, on every failed first create).
    DeletionPolicy: 'RetainExceptOnCreate',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Description: `Cluster ${name}: EKS secrets encryption, EFS and /${name}/apps parameters`,
      EnableKeyRotation: true,
      PendingWindowInDays: 30,
      KeyPolicy: kmsKeyPolicy(ctx),
      Tags: tags(cluster),
    },
  };
  resources.KmsKeyAlias = { Type: 'AWS::KMS::Alias', Properties: { AliasName: `alias/${name}-platform`, TargetKeyId: ref('KmsKey') } };
  return resources;
}

/** EKS control plane. */
function controlPlaneSection(s: TemplateScope): Resources {
  const { cluster, name, urlSuffix, managedPolicy, settings } = s;
  const resources: Resources = {};
  resources.ClusterRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: `${name}-eks-cluster`,
      Description: `EKS control plane of cluster ${name}`,
      AssumeRolePolicyDocument: serviceTrustPolicy(`eks.${urlSuffix}`, ['sts:AssumeRole', 'sts:TagSession']),
      ManagedPolicyArns: [managedPolicy('AmazonEKSClusterPolicy')],
      Policies: [
        {
          PolicyName: 'secrets-encryption',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'], Resource: getAtt('KmsKey', 'Arn') }],
          },
        },
      ],
      Tags: tags(cluster),
    },
  };
  resources.EndpointSecurityGroup = endpointSecurityGroup(cluster);
  resources.Cluster = {
    Type: 'AWS::EKS::Cluster',
    Properties: {
      Name: name,
      Version: cluster.kubernetesVersion,
      RoleArn: getAtt('ClusterRole', 'Arn'),
      ResourcesVpcConfig: {
        SubnetIds: [...cluster.network.privateSubnetIds],
        // Create-time only (a change replaces the cluster, deploy refuses it): its rules change in place instead.
        SecurityGroupIds: [getAtt('EndpointSecurityGroup', 'GroupId')],
        EndpointPrivateAccess: true,
        EndpointPublicAccess: settings.endpoint.public,
        ...(settings.endpoint.public ? { PublicAccessCidrs: [...settings.endpoint.publicCidrs] } : {}),
      },
      // Create-time only: EKS cannot change it later, a different value replaces the cluster (deploy refuses that).
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: settings.clusterCreatorAdmin },
      EncryptionConfig: [{ Provider: { KeyArn: getAtt('KmsKey', 'Arn') }, Resources: ['secrets'] }],
      Logging: { ClusterLogging: { EnabledTypes: CONTROL_PLANE_LOGS.map((Type) => ({ Type })) } },
      // Nodes come from Karpenter; the cluster must not install its own unmanaged vpc-cni/kube-proxy/CoreDNS copies.
      BootstrapSelfManagedAddons: false,
      DeletionProtection: ref(DELETION_PROTECTION_PARAMETER),
      Tags: tags(cluster),
    },
  };
  return resources;
}

/** Access entries: IAM roles → idp-roles Kubernetes groups. */
function accessEntriesSection(s: TemplateScope): Resources {
  const { cluster, partition, settings } = s;
  const resources: Resources = {};
  for (const [principalArn, entry] of Object.entries(settings.accessEntries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    resources[accessEntryId(principalArn)] = {
      Type: 'AWS::EKS::AccessEntry',
      Properties: {
        ClusterName: ref('Cluster'),
        PrincipalArn: principalArn,
        Type: 'STANDARD',
        KubernetesGroups: accessEntryGroups(cluster, entry),
        // Admins must be able to install Argo CD before idp-roles (synced by Argo CD) binds their group.
        ...(entry.level === 'admin'
          ? { AccessPolicies: clusterAdminPolicy(partition) }
          : {}),
      },
    };
  }
  return resources;
}

/** Fargate: Karpenter runs before any node exists, and CoreDNS with it (Karpenter needs DNS to reach AWS). */
function fargateSection(s: TemplateScope): Resources {
  const { cluster, name, partition, urlSuffix, region, accountId, managedPolicy } = s;
  const resources: Resources = {};
  resources.FargatePodExecutionRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: `${name}-fargate-pod-execution`,
      Description: `Fargate pods of cluster ${name} (Karpenter, CoreDNS${cluster.argocd.mode === 'in-cluster' ? ', Argo CD' : ''})`,
      AssumeRolePolicyDocument: serviceTrustPolicy(
        `eks-fargate-pods.${urlSuffix}`,
        ['sts:AssumeRole'],
        `arn:${partition}:eks:${region}:${accountId}:fargateprofile/${name}/*`,
      ),
      ManagedPolicyArns: [managedPolicy('AmazonEKSFargatePodExecutionRolePolicy')],
      Tags: tags(cluster),
    },
  };
  resources.FargateProfile = {
    Type: 'AWS::EKS::FargateProfile',
    Properties: {
      ClusterName: ref('Cluster'),
      FargateProfileName: 'karpenter',
      PodExecutionRoleArn: getAtt('FargatePodExecutionRole', 'Arn'),
      Subnets: [...cluster.network.privateSubnetIds],
      Selectors: [{ Namespace: KARPENTER_NAMESPACE }, { Namespace: 'kube-system', Labels: [{ Key: 'k8s-app', Value: 'kube-dns' }] }],
      Tags: tags(cluster),
    },
  };
  if (cluster.argocd.mode === 'in-cluster') {
    // Argo CD installs Karpenter, so it must run before any node exists. A profile of its own: changing the selectors
    // of the first one would replace it, and a replacement under the same name fails.
    resources.FargateProfileArgoCd = {
      Type: 'AWS::EKS::FargateProfile',
      // EKS creates or deletes one Fargate profile of a cluster at a time.
      DependsOn: ['FargateProfile'],
      Properties: {
        ClusterName: ref('Cluster'),
        FargateProfileName: 'argocd',
        PodExecutionRoleArn: getAtt('FargatePodExecutionRole', 'Arn'),
        Subnets: [...cluster.network.privateSubnetIds],
        Selectors: [{ Namespace: cluster.argocd.namespace }],
        Tags: tags(cluster),
      },
    };
  }
  return resources;
}

/** EKS managed add-ons, pinned. */
function managedAddonsSection(s: TemplateScope): Resources {
  const { cluster } = s;
  const versions = addonVersions(cluster);
  const resources: Resources = {};
  const addon = (addonName: string, version: string, extra: Record<string, unknown> = {}, dependsOn?: string[]): CfnResource => ({
    Type: 'AWS::EKS::Addon',
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Properties: { ClusterName: ref('Cluster'), AddonName: addonName, AddonVersion: version, ResolveConflicts: 'OVERWRITE', ...extra, Tags: tags(cluster) },
  });
  resources.AddonVpcCni = addon('vpc-cni', versions.vpcCni);
  resources.AddonKubeProxy = addon('kube-proxy', versions.kubeProxy);
  resources.AddonCoreDns = addon(
    'coredns',
    versions.coreDns,
    // On Fargate until Karpenter's nodes exist; Fargate sizes pods by their requests, so requests equal limits.
    {
      ConfigurationValues: JSON.stringify({
        computeType: 'Fargate',
        resources: { limits: { cpu: '0.25', memory: '256M' }, requests: { cpu: '0.25', memory: '256M' } },
        autoScaling: { enabled: true, ...COREDNS_REPLICAS[cluster.environment] },
      }),
    },
    ['FargateProfile'],
  );
  return resources;
}

/** IRSA: the OIDC provider and one role per controller, each trusting exactly its service account. */
function irsaSection(s: TemplateScope): Resources {
  const { cluster, ctx, name } = s;
  const resources: Resources = {};
  resources.OidcProvider = {
    Type: 'AWS::IAM::OIDCProvider',
    Properties: { Url: getAtt('Cluster', 'OpenIdConnectIssuerUrl'), ClientIdList: ['sts.amazonaws.com'], Tags: tags(cluster) },
  };
  for (const controller of CONTROLLERS) {
    const sa = SERVICE_ACCOUNTS[controller];
    resources[controllerRoleId(controller)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: roleName(cluster, controller),
        Description: `IRSA role of ${sa.namespace}/${sa.name} in cluster ${name}`,
        AssumeRolePolicyDocument: subJson(irsaTrustPolicy(controller), { OidcIssuer: oidcIssuer, OidcProviderArn: ref('OidcProvider') }),
        Policies: [{ PolicyName: controller, PolicyDocument: CONTROLLER_POLICIES[controller](ctx) }],
        Tags: tags(cluster),
      },
    };
  }
  return resources;
}

/** Karpenter: node role (+ access entry), interruption queue and the EventBridge rules feeding it. */
function karpenterSection(s: TemplateScope): Resources {
  const { cluster, name, urlSuffix, managedPolicy } = s;
  const resources: Resources = {};
  resources.KarpenterNodeRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: karpenterNodeRoleName(cluster),
      Description: `Nodes Karpenter launches for cluster ${name}`,
      AssumeRolePolicyDocument: serviceTrustPolicy(`ec2.${urlSuffix}`, ['sts:AssumeRole']),
      ManagedPolicyArns: ['AmazonEKS_CNI_Policy', 'AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore'].map(managedPolicy),
      Tags: tags(cluster),
    },
  };
  resources.KarpenterNodeAccessEntry = {
    Type: 'AWS::EKS::AccessEntry',
    Properties: { ClusterName: ref('Cluster'), PrincipalArn: getAtt('KarpenterNodeRole', 'Arn'), Type: 'EC2_LINUX' },
  };
  resources.InterruptionQueue = {
    Type: 'AWS::SQS::Queue',
    Properties: { QueueName: interruptionQueueName(cluster), MessageRetentionPeriod: 300, SqsManagedSseEnabled: true, Tags: tags(cluster) },
  };
  resources.InterruptionQueuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [ref('InterruptionQueue')],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeToQueue',
            Effect: 'Allow',
            Principal: { Service: [`events.${urlSuffix}`, `sqs.${urlSuffix}`] },
            Action: 'sqs:SendMessage',
            Resource: getAtt('InterruptionQueue', 'Arn'),
          },
          {
            Sid: 'DenyHTTP',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sqs:*',
            Resource: getAtt('InterruptionQueue', 'Arn'),
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
  const rules: Array<[string, string, string]> = [
    ['ScheduledChangeRule', 'aws.health', 'AWS Health Event'],
    ['SpotInterruptionRule', 'aws.ec2', 'EC2 Spot Instance Interruption Warning'],
    ['RebalanceRule', 'aws.ec2', 'EC2 Instance Rebalance Recommendation'],
    ['InstanceStateChangeRule', 'aws.ec2', 'EC2 Instance State-change Notification'],
    // Short id: rule names (from the id) must fit 64 characters with a 24-character cluster name.
    ['CapacityReservationRule', 'aws.ec2', 'EC2 Capacity Reservation Instance Interruption Warning'],
  ];
  for (const [id, source, detailType] of rules) {
    resources[id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `${name}-karpenter-${id.replace(/Rule$/, '').replace(/[A-Z]/g, (c, i) => `${i ? '-' : ''}${c.toLowerCase()}`)}`,
        Description: `${detailType} events for Karpenter in cluster ${name}`,
        EventPattern: { source: [source], 'detail-type': [detailType] },
        Targets: [{ Id: 'KarpenterInterruptionQueueTarget', Arn: getAtt('InterruptionQueue', 'Arn') }],
      },
    };
  }
  return resources;
}

/** Spot service-linked role: one per account, so created only when the deploy command found it missing. */
function spotSection(): Resources {
  const resources: Resources = {};
  resources.SpotServiceLinkedRole = {
    Type: 'AWS::IAM::ServiceLinkedRole',
    Condition: SPOT_ROLE_CONDITION,
    // Other clusters in the account use it too: never delete it with this stack.
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { AWSServiceName: 'spot.amazonaws.com', Description: 'EC2 Spot; created by the platform bootstrap' },
  };
  return resources;
}

/** EFS: encrypted with the cluster key, one mount target per private subnet, NFS only from the cluster. */
function efsSection(s: TemplateScope): Resources {
  const { cluster, name, settings } = s;
  const resources: Resources = {};
  resources.EfsSecurityGroup = {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: `EFS mount targets of cluster ${name}: NFS from the cluster security group only`,
      VpcId: cluster.network.vpcId,
      Tags: tags(cluster, { Name: `${name}-efs` }),
    },
  };
  resources.EfsIngressFromCluster = {
    Type: 'AWS::EC2::SecurityGroupIngress',
    Properties: {
      GroupId: getAtt('EfsSecurityGroup', 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: getAtt('Cluster', 'ClusterSecurityGroupId'),
      Description: 'NFS from the EKS cluster security group',
    },
  };
  resources.EfsFileSystem = {
    Type: 'AWS::EFS::FileSystem',
    // As the KMS key: kept on stack deletion and replacement, deleted only when its own create rolls back.
    DeletionPolicy: 'RetainExceptOnCreate',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Encrypted: true,
      KmsKeyId: getAtt('KmsKey', 'Arn'),
      PerformanceMode: 'generalPurpose',
      ThroughputMode: 'elastic',
      LifecyclePolicies: [{ TransitionToIA: settings.efs.transitionToIA }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }],
      BackupPolicy: { Status: settings.efs.backup ? 'ENABLED' : 'DISABLED' },
      FileSystemTags: tags(cluster, { Name: `${name}-platform` }),
    },
  };
  for (const subnet of cluster.network.privateSubnetIds) {
    resources[`EfsMountTarget${pascal(subnet)}`] = {
      Type: 'AWS::EFS::MountTarget',
      Properties: { FileSystemId: ref('EfsFileSystem'), SubnetId: subnet, SecurityGroups: [getAtt('EfsSecurityGroup', 'GroupId')] },
    };
  }
  return resources;
}

/** Facts: what `facts pull` reads, one String parameter per fact key under /<cluster>/facts. Also the stack's outputs. */
function factsSection(s: TemplateScope): { resources: Resources; outputs: Record<string, CfnOutput> } {
  const { cluster, name } = s;
  const resources: Resources = {};
  const outputs: Record<string, CfnOutput> = {};
  const facts: Array<[string, Value]> = [
    ['clusterEndpoint', getAtt('Cluster', 'Endpoint')],
    ['clusterSecurityGroupId', getAtt('Cluster', 'ClusterSecurityGroupId')],
    ['oidcProvider', oidcIssuer as unknown as Intrinsic],
    ['efsFileSystemId', ref('EfsFileSystem')],
    ['karpenterInterruptionQueue', getAtt('InterruptionQueue', 'QueueName')],
    ...CONTROLLERS.map((c): [string, Value] => [`roleArns/${c}`, getAtt(controllerRoleId(c), 'Arn')]),
  ];
  for (const [key, value] of facts) {
    resources[`Fact${pascal(key)}`] = {
      Type: 'AWS::SSM::Parameter',
      Properties: {
        Name: `${factsParameterPath(cluster)}/${key}`,
        Type: 'String',
        Value: value,
        Description: `Bootstrap fact ${key} of cluster ${name}; read by \`facts pull\``,
      },
    };
    outputs[pascal(key)] = { Description: `Fact ${key} (also in SSM ${factsParameterPath(cluster)}/${key})`, Value: value };
  }
  outputs.ClusterName = { Description: 'EKS cluster name', Value: ref('Cluster') };
  outputs.KarpenterNodeRoleName = { Description: 'Role of the EC2NodeClass', Value: ref('KarpenterNodeRole') };
  if (cluster.argocd.mode === 'eks-capability') {
    outputs.ArgoCdServerUrl = { Description: 'URL of the EKS managed Argo CD (sign in with IAM Identity Center)', Value: getAtt('ArgoCdCapability', 'Configuration.ArgoCd.ServerUrl') };
  }
  return { resources, outputs };
}

/**
 * The security group attached to the cluster's control plane: TCP 443 from `bootstrap.endpoint.privateAccessFrom`
 * and nothing else (no egress: the EKS-managed cluster security group carries the control plane's own traffic).
 */
function endpointSecurityGroup(cluster: Cluster): CfnResource {
  const from = cluster.bootstrap.endpoint.privateAccessFrom;
  const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
  return {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      // Never change this text: a new GroupDescription replaces the group, which replaces the cluster (its
      // ResourcesVpcConfig.SecurityGroupIds), and deploy refuses that. Wording that may change goes into Tags.
      GroupDescription: 'EKS private API endpoint: HTTPS from bootstrap.endpoint.privateAccessFrom only',
      VpcId: cluster.network.vpcId,
      SecurityGroupIngress: [
        ...from.cidrs.map((cidr) => ({ ...https, ...(cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIp: cidr }), Description: `API server from ${cidr}` })),
        ...from.prefixListIds.map((id) => ({ ...https, SourcePrefixListId: id, Description: `API server from prefix list ${id}` })),
        ...from.securityGroupIds.map((id) => ({ ...https, SourceSecurityGroupId: id, Description: `API server from security group ${id}` })),
      ],
      // Without a rule CloudFormation adds allow-all egress; this one matches nothing (the AWS CDK's idiom for none).
      SecurityGroupEgress: [{ IpProtocol: 'icmp', FromPort: 252, ToPort: 86, CidrIp: '255.255.255.255/32', Description: 'No egress' }],
      Tags: tags(cluster, { Name: `${cluster.name}-api-endpoint` }),
    },
  };
}

/**
 * Argo CD's way in, by `argocd.mode`: for `management` with `argocd.roleTrustedBy`, the role the management Argo CD
 * assumes (trusting exactly those principals) and its admin access entry; for `eks-capability`, the EKS managed
 * Argo CD (`AWS::EKS::Capability` of type ARGOCD, spec @aws-cdk/aws-service-spec) and its capability role, whose
 * trust is the one AWS documents (EKS user guide, "Amazon EKS capability IAM role": service
 * capabilities.eks.amazonaws.com, sts:AssumeRole and sts:TagSession) and which needs no IAM permissions for public
 * git repositories.
 */
function argocdSection(s: TemplateScope): Resources {
  const { cluster, name, partition, urlSuffix } = s;
  const { mode, roleArn, roleTrustedBy, capability } = cluster.argocd;
  const resources: Resources = {};
  if (mode === 'management' && roleArn && roleTrustedBy.length > 0) {
    const path = roleArn.split(':role')[1];
    const roleName = path.split('/').pop()!;
    resources.ArgoCdManagerRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: roleName,
        Path: path.slice(0, path.length - roleName.length),
        Description: `Assumed by the management Argo CD to manage cluster ${name}`,
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [...roleTrustedBy].sort() }, Action: 'sts:AssumeRole' }] },
        Tags: tags(cluster),
      },
    };
    resources.ArgoCdManagerAccessEntry = {
      Type: 'AWS::EKS::AccessEntry',
      Properties: {
        ClusterName: ref('Cluster'),
        PrincipalArn: getAtt('ArgoCdManagerRole', 'Arn'),
        Type: 'STANDARD',
        KubernetesGroups: [accessGroup(cluster, 'admin')],
        // Argo CD applies cluster-scoped objects (CRDs, ClusterRoles) of every add-on.
        AccessPolicies: clusterAdminPolicy(partition),
      },
    };
  }
  if (mode === 'eks-capability' && capability) {
    resources.ArgoCdCapabilityRole = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: `${name}-argocd-capability`,
        Description: `EKS managed Argo CD of cluster ${name}`,
        AssumeRolePolicyDocument: serviceTrustPolicy(`capabilities.eks.${urlSuffix}`, ['sts:AssumeRole', 'sts:TagSession']),
        Tags: tags(cluster),
      },
    };
    const roles = ['ADMIN', 'EDITOR', 'VIEWER'].filter((r) => capability.groups[r] || capability.users[r]);
    resources.ArgoCdCapability = {
      Type: 'AWS::EKS::Capability',
      Properties: {
        ClusterName: ref('Cluster'),
        CapabilityName: 'argocd',
        Type: 'ARGOCD',
        RoleArn: getAtt('ArgoCdCapabilityRole', 'Arn'),
        // The only value the spec allows: Applications and what they deployed stay when the capability goes.
        DeletePropagationPolicy: 'RETAIN',
        Configuration: {
          ArgoCd: {
            Namespace: cluster.argocd.namespace,
            AwsIdc: { IdcInstanceArn: capability.identityCenterInstanceArn, IdcRegion: capability.identityCenterRegion ?? cluster.aws.region },
            RbacRoleMappings: roles.map((Role) => ({
              Role,
              Identities: [
                ...(capability.groups[Role] ?? []).map((Id) => ({ Id, Type: 'SSO_GROUP' })),
                ...(capability.users[Role] ?? []).map((Id) => ({ Id, Type: 'SSO_USER' })),
              ],
            })),
          },
        },
        Tags: tags(cluster),
      },
    };
  }
  return resources;
}

/**
 * The cluster's bootstrap stack as a CloudFormation template object, section by section (KMS, control plane, access
 * entries, Fargate, managed add-ons, IRSA, Karpenter, Spot, EFS, facts). Throws a ConfigError when the `bootstrap`
 * settings cannot be rendered (see assertBootstrapSettings).
 */
export function buildBootstrapTemplate(cluster: Cluster): CfnTemplate {
  assertBootstrapSettings(cluster);
  const s = templateScope(cluster);
  const { name, accountId, region } = s;
  const facts = factsSection(s);
  // Resource order is the order of the sections: it is the committed template's key order.
  const resources: Resources = {
    ...kmsSection(s),
    ...controlPlaneSection(s),
    ...accessEntriesSection(s),
    ...fargateSection(s),
    ...argocdSection(s),
    ...managedAddonsSection(s),
    ...irsaSection(s),
    ...karpenterSection(s),
    ...spotSection(),
    ...efsSection(s),
    ...facts.resources,
  };

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Platform bootstrap of EKS cluster ${name} (account ${accountId}, ${region}). Rendered by \`npm run synth\` from ${cluster.files.source}; deploy with \`npm run bootstrap -- deploy --cluster ${name}\`.`,
    Parameters: {
      [SPOT_ROLE_PARAMETER]: {
        Type: 'String',
        Description: `Whether ${SPOT_ROLE_NAME} already exists in the account; set by \`bootstrap deploy\` after iam:GetRole`,
        AllowedValues: ['true', 'false'],
        // Safe default for a manual deploy: never try to create a role that may exist.
        Default: 'true',
      },
      [DELETION_PROTECTION_PARAMETER]: {
        Type: 'String',
        Description: 'DeletionProtection of the EKS cluster; set by `bootstrap deploy`: "false" for the first create (so a failed create can roll back), "true" for updates',
        AllowedValues: ['true', 'false'],
        // A manual update must never drop the protection.
        Default: 'true',
      },
    },
    Conditions: { [SPOT_ROLE_CONDITION]: { 'Fn::Equals': [ref(SPOT_ROLE_PARAMETER), 'false'] } },
    Resources: resources,
    Outputs: facts.outputs,
  };
}

/**
 * The template as committed under `dist/<cluster>/aws/cloudformation.json`: 2-space JSON, trailing newline.
 * `template`: the cluster's template when the caller built it already. @default buildBootstrapTemplate(cluster)
 */
export function renderBootstrapTemplate(cluster: Cluster, template: CfnTemplate = buildBootstrapTemplate(cluster)): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** The template as sent to CloudFormation: compact, to stay under the 51,200-byte TemplateBody limit. */
export function compactTemplate(cluster: Cluster): string {
  return JSON.stringify(buildBootstrapTemplate(cluster));
}
