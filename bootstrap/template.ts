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
import { CLUSTER_LABEL } from '../apps/labels.ts';
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

/** Kubernetes groups the admin level also gets AmazonEKSClusterAdminPolicy for: see README.md#aws-bootstrap-no-terraform. */
const CLUSTER_ADMIN_POLICY = 'AmazonEKSClusterAdminPolicy';

const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** Stable logical id for an access entry: readable role name plus a short hash of the full ARN (names can repeat across accounts). */
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

export function buildBootstrapTemplate(cluster: Cluster): CfnTemplate {
  assertBootstrapSettings(cluster);
  const { partition, urlSuffix } = partitionOf(cluster.aws.region);
  const { accountId, region } = cluster.aws;
  const name = cluster.name;
  const iamRole = (role: string) => `arn:${partition}:iam::${accountId}:role/${role}`;
  const managedPolicy = (policy: string) => `arn:${partition}:iam::aws:policy/${policy}`;
  const versions = addonVersions(cluster);
  const settings = cluster.bootstrap;
  const resources: Record<string, CfnResource> = {};
  const outputs: Record<string, CfnOutput> = {};

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

  // --- KMS: one key for Kubernetes secrets, EFS and the application parameters External Secrets reads.
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

  // --- EKS control plane.
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
  resources.Cluster = {
    Type: 'AWS::EKS::Cluster',
    Properties: {
      Name: name,
      Version: cluster.kubernetesVersion,
      RoleArn: getAtt('ClusterRole', 'Arn'),
      ResourcesVpcConfig: {
        SubnetIds: [...cluster.network.privateSubnetIds],
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

  // --- Access entries: IAM roles → idp-roles Kubernetes groups.
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
          ? { AccessPolicies: [{ PolicyArn: `arn:${partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`, AccessScope: { Type: 'cluster' } }] }
          : {}),
      },
    };
  }

  // --- Fargate: Karpenter runs before any node exists, and CoreDNS with it (Karpenter needs DNS to reach AWS).
  resources.FargatePodExecutionRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: `${name}-fargate-pod-execution`,
      Description: `Fargate pods of cluster ${name} (Karpenter, CoreDNS)`,
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

  // --- EKS managed add-ons, pinned.
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
    { ConfigurationValues: JSON.stringify({ computeType: 'Fargate', resources: { limits: { cpu: '0.25', memory: '256M' }, requests: { cpu: '0.25', memory: '256M' } } }) },
    ['FargateProfile'],
  );

  // --- IRSA: the OIDC provider and one role per controller, each trusting exactly its service account.
  resources.OidcProvider = {
    Type: 'AWS::IAM::OIDCProvider',
    Properties: { Url: getAtt('Cluster', 'OpenIdConnectIssuerUrl'), ClientIdList: ['sts.amazonaws.com'], Tags: tags(cluster) },
  };
  const oidcIssuer = { 'Fn::Select': [1, { 'Fn::Split': ['//', getAtt('Cluster', 'OpenIdConnectIssuerUrl')] }] };
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

  // --- Karpenter: node role (+ access entry), interruption queue and the EventBridge rules feeding it.
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

  // --- Spot service-linked role: one per account, so created only when the deploy command found it missing.
  resources.SpotServiceLinkedRole = {
    Type: 'AWS::IAM::ServiceLinkedRole',
    Condition: SPOT_ROLE_CONDITION,
    // Other clusters in the account use it too: never delete it with this stack.
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { AWSServiceName: 'spot.amazonaws.com', Description: 'EC2 Spot; created by the platform bootstrap' },
  };

  // --- EFS: encrypted with the cluster key, one mount target per private subnet, NFS only from the cluster.
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

  // --- Facts: what `facts pull` reads, one String parameter per fact key under /<cluster>/facts.
  const facts: Array<[string, Value]> = [
    ['clusterEndpoint', getAtt('Cluster', 'Endpoint')],
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
  outputs.ClusterSecurityGroupId = {
    Description: `Tag it ${'karpenter.sh/discovery'}=${name} so Karpenter's nodes join with it (see README.md#aws-bootstrap-no-terraform)`,
    Value: getAtt('Cluster', 'ClusterSecurityGroupId'),
  };
  outputs.KarpenterNodeRoleName = { Description: 'Role of the EC2NodeClass', Value: ref('KarpenterNodeRole') };

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
    Outputs: outputs,
  };
}

/** The template as committed under `dist/<cluster>/aws/cloudformation.json`: 2-space JSON, trailing newline. */
export function renderBootstrapTemplate(cluster: Cluster): string {
  return `${JSON.stringify(buildBootstrapTemplate(cluster), null, 2)}\n`;
}

/** The template as sent to CloudFormation: compact, to stay under the 51,200-byte TemplateBody limit. */
export function compactTemplate(cluster: Cluster): string {
  return JSON.stringify(buildBootstrapTemplate(cluster));
}
