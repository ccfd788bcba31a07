/**
 * Amazon EFS CSI driver and the StorageClass of the EFS file system the bootstrap creates. EFS volumes are regional
 * (any zone can mount them), so the class is a good cluster default for small shared or stateful workloads.
 * Chart: aws-efs-csi-driver 4.4.1 from https://kubernetes-sigs.github.io/aws-efs-csi-driver/ (no values.schema.json;
 * every key checked against its values.yaml).
 */
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { bool, int, show, str, type Problem } from '../../config/schema.ts';
import { deepMerge, isMap } from '../../config/merge.ts';
import type { Cluster } from '../../config/cluster.ts';
import { SERVICE_ACCOUNTS } from '../../config/naming.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, irsaServiceAccount } from '../common.ts';

/** The driver's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface EfsControllerProps {
  /** Controller replicas; with 2 or more a PodDisruptionBudget keeps one up during node drains. */
  readonly replicas: number;
  /** Name of the StorageClass. */
  readonly storageClassName: string;
  /** Mark the class as the cluster's default StorageClass (PVCs without `storageClassName` get EFS). */
  readonly defaultClass: boolean;
  /**
   * What happens to the volume when its PVC is deleted: `Delete` removes the access point and its directory with all
   * data (the controller then runs privileged, see rootDirDeletion), `Retain` keeps both for manual recovery.
   */
  readonly reclaimPolicy: 'Delete' | 'Retain';
  /** Permissions of each volume's root directory on EFS (octal). */
  readonly directoryPerms: string;
  /** Directory on the file system under which volumes are created. */
  readonly basePath: string;
  /** First POSIX GID given to an access point (each volume gets its own owner GID). */
  readonly gidRangeStart: number;
  /** Last POSIX GID; the range bounds the number of volumes (EFS allows 10,000 access points per file system). */
  readonly gidRangeEnd: number;
}

const NAME = 'aws-efs-csi-driver';
const SA = SERVICE_ACCOUNTS['efs-csi'];
/** Karpenter labels every node it launches with its NodePool; Fargate nodes never carry it. */
const KARPENTER_NODE_LABEL = 'karpenter.sh/nodepool';
/** `fs-` plus 8 (old style) or 17 hex characters. */
export const EFS_FILE_SYSTEM_ID = /^fs-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The driver cannot run on Fargate (no privileged pods, no host mounts): require a Karpenter node and exclude
 * Fargate and hybrid nodes explicitly, so a future Fargate profile for kube-system cannot capture these pods either.
 */
export function karpenterNodesOnly(excludedComputeTypes: readonly string[]): Record<string, unknown> {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: KARPENTER_NODE_LABEL, operator: 'Exists' },
              { key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: [...excludedComputeTypes] },
            ],
          },
        ],
      },
    },
  };
}

/** requests and limits of one container. */
const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/**
 * Controller values that make `reclaimPolicy` true to its word. The driver deletes only the access point on
 * DeleteVolume; its `delete-access-point-root-dir` option (chart: `controller.deleteAccessPointRootDir`) also removes
 * the volume's directory and data, which needs the controller to mount EFS, i.e. a privileged container: the chart's
 * values.yaml (aws-efs-csi-driver 4.4.1) says "Setting privileged=false will cause the delete-access-point-root-dir
 * controller option to fail". `Retain` keeps both off, so the controller needs no privilege at all.
 * (Kubernetes rejects `privileged: true` with `allowPrivilegeEscalation: false`, hence no escalation key then.)
 */
export function rootDirDeletion(reclaimPolicy: 'Delete' | 'Retain'): Record<string, unknown> {
  return reclaimPolicy === 'Delete'
    ? { deleteAccessPointRootDir: true, containerSecurityContext: { privileged: true } }
    : { deleteAccessPointRootDir: false, containerSecurityContext: { privileged: false, allowPrivilegeEscalation: false } };
}

const showTyped = (v: unknown) => `${show(v)}${v === undefined ? '' : ` (${typeof v})`}`;

/** Problems of the controller values after the user's `values` merged: the combinations that lose or keep data unexpectedly. */
function rootDirDeletionProblems(reclaimPolicy: 'Delete' | 'Retain', merged: Record<string, unknown>): Problem[] {
  const controller = isMap(merged.controller) ? merged.controller : {};
  const deleteRootDir = controller.deleteAccessPointRootDir;
  const privileged = isMap(controller.containerSecurityContext) ? controller.containerSecurityContext.privileged : undefined;
  const at = 'addons.efs-controller.values.controller';
  const problems: Problem[] = [];
  if (deleteRootDir === true && privileged !== true) {
    problems.push({
      path: `${at}.containerSecurityContext.privileged`,
      message: `got ${showTyped(privileged)} with deleteAccessPointRootDir true, which the chart documents as failing; allowed: true (or leave it out), or deleteAccessPointRootDir false with addons.efs-controller.reclaimPolicy "Retain"`,
    });
  }
  if (reclaimPolicy === 'Delete' && deleteRootDir !== true) {
    problems.push({
      path: `${at}.deleteAccessPointRootDir`,
      message: `got ${showTyped(deleteRootDir)} with reclaimPolicy "Delete", which would delete the access point but keep the data; allowed: true (or leave it out), or addons.efs-controller.reclaimPolicy "Retain"`,
    });
  }
  return problems;
}

export function efsControllerValues(cluster: Pick<Cluster, 'name' | 'aws' | 'facts'>, props: Pick<EfsControllerProps, 'replicas' | 'reclaimPolicy'>): Record<string, unknown> {
  const { replicas } = props;
  return {
    controller: {
      replicaCount: replicas,
      serviceAccount: irsaServiceAccount(cluster, 'efs-csi'),
      // Regional STS keeps IRSA working when the global endpoint is impaired and stays in the cluster's region.
      regionalStsEndpoints: true,
      // Access points the driver creates carry the cluster's name, so they can be told apart on a shared file system.
      tags: { 'eks-platform/cluster': cluster.name },
      ...rootDirDeletion(props.reclaimPolicy),
      podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
      resources: res('10m', '64Mi', '200m', '256Mi'),
      affinity: karpenterNodesOnly(['fargate']),
      // The chart adds the label selector itself (see values.yaml).
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
    },
    node: {
      // Each TLS mount runs an efs-proxy process inside this container, so memory grows with the mounts on a node.
      resources: res('20m', '128Mi', '1', '1Gi'),
      affinity: karpenterNodesOnly(['fargate', 'hybrid']),
    },
    sidecars: {
      livenessProbe: { resources: res('10m', '16Mi', '100m', '64Mi') },
      nodeDriverRegistrar: { resources: res('10m', '16Mi', '100m', '64Mi') },
      csiProvisioner: { resources: res('10m', '32Mi', '200m', '128Mi') },
    },
    // Argo CD turns Helm hooks into sync hooks that are deleted and recreated on every sync; a plain resource is tracked.
    useHelmHooksForCSIDriver: false,
  };
}

/** The StorageClass, built from the settings and the `efsFileSystemId` fact (checked by validate()). */
export function efsStorageClass(scope: Construct, fileSystemId: string, props: EfsControllerProps): k8s.KubeStorageClass {
  const isDefault = props.defaultClass;
  return new k8s.KubeStorageClass(scope, 'StorageClass', {
    metadata: {
      name: props.storageClassName,
      annotations: {
        'storageclass.kubernetes.io/is-default-class': String(isDefault),
        // Parameters of a StorageClass are immutable: on a change Argo CD deletes and recreates the class. Existing
        // volumes are not affected (a PV keeps its own copy of the parameters).
        'argocd.argoproj.io/sync-options': 'Replace=true,Force=true',
      },
    },
    provisioner: 'efs.csi.aws.com',
    parameters: {
      provisioningMode: 'efs-ap',
      fileSystemId,
      directoryPerms: props.directoryPerms,
      basePath: props.basePath,
      // Readable directories on EFS (`<namespace>/<pvc>`); the unique suffix keeps a re-created PVC off old data.
      subPathPattern: '${.PVC.namespace}/${.PVC.name}',
      ensureUniqueDirectory: 'true',
      gidRangeStart: String(props.gidRangeStart),
      gidRangeEnd: String(props.gidRangeEnd),
    },
    // No mountOptions: the driver always mounts access points with TLS (in-transit encryption; a `tls` option is
    // deprecated there). Encryption at rest is a property of the file system, which the bootstrap creates encrypted.
    reclaimPolicy: props.reclaimPolicy,
    // EFS is regional: there is no zone to wait for, so binding at once is safe and gives early errors.
    volumeBindingMode: 'Immediate',
    // EFS has no size; expansion is a no-op, allowed so resizing a PVC never fails.
    allowVolumeExpansion: true,
  });
}

export const efsController = defineAddon<EfsControllerProps>({
  id: 'efs-controller',
  dependsOn: [NEEDS_NODES], // the EFS StorageClass is its own (same Application)
  description: 'Amazon EFS CSI driver and the encrypted, regional EFS StorageClass',
  namespace: SA.namespace,
  irsa: { controller: 'efs-csi', valuesPath: ['controller', 'serviceAccount'] },
  chart: { repoURL: 'https://kubernetes-sigs.github.io/aws-efs-csi-driver/', chart: NAME, version: '4.4.1', releaseName: NAME },
  settings: {
    replicas: int({ min: 1, max: 5, default: 2 }),
    storageClassName: str({ pattern: /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, patternText: 'a StorageClass name (lowercase DNS subdomain)', default: 'efs' }),
    defaultClass: bool({ default: true }),
    reclaimPolicy: str({ oneOf: ['Delete', 'Retain'] as const, default: 'Delete' }),
    directoryPerms: str({ pattern: /^[0-7]{3,4}$/, patternText: 'quoted octal permissions such as "700"', default: '700' }),
    basePath: str({ pattern: /^\/[A-Za-z0-9._/-]*$/, patternText: 'an absolute path such as "/dynamic_provisioning"', default: '/dynamic_provisioning' }),
    gidRangeStart: int({ min: 1, max: 2147483647, default: 50000 }),
    gidRangeEnd: int({ min: 1, max: 2147483647, default: 7000000 }),
  },
  validate: ({ cluster, config, settings }) => {
    const problems: Problem[] = rootDirDeletionProblems(settings.reclaimPolicy, deepMerge(efsControllerValues(cluster, settings), config.values));
    const id = cluster.facts.efsFileSystemId;
    if (id === undefined || !EFS_FILE_SYSTEM_ID.test(id)) {
      problems.push({
        path: 'facts.efsFileSystemId',
        message:
          `the efs-controller StorageClass needs the fact efsFileSystemId in ${cluster.files.facts ?? `config/facts/${cluster.name}.yaml`} ` +
          `(got ${id === undefined ? 'nothing' : JSON.stringify(id)}); allowed: "fs-" and 8 or 17 lowercase hex characters, ` +
          `written by \`npm run facts -- pull --cluster ${cluster.name}\` after the bootstrap, or disable addons.efs-controller`,
      });
    }
    const { gidRangeStart: start, gidRangeEnd: end } = settings;
    if (start >= end) {
      problems.push({
        path: 'addons.efs-controller.gidRangeEnd',
        message: `got ${end}, not above gidRangeStart ${start}; allowed: a GID greater than gidRangeStart`,
      });
    }
    return problems;
  },
  values: ({ cluster, settings }) => efsControllerValues(cluster, settings),
  manifests: (scope, { cluster, settings }) => {
    efsStorageClass(scope, cluster.facts.efsFileSystemId!, settings);
  },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
    { group: 'storage.k8s.io', kind: 'CSIDriver' },
  ],
});
