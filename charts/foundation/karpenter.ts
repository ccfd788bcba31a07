/**
 * Karpenter: buys the EC2 nodes every other add-on runs on. The cluster starts with no nodes, so the controller runs
 * on Fargate in its own namespace (the one the bootstrap's Fargate profile selects).
 * Charts: karpenter 1.14.1 (values checked against its values.yaml) and karpenter-crd 1.14.1 (no values), both from
 * public ECR as native OCI sources of one Application, so every sync also upgrades the CRDs.
 */
import { int, str, type Problem } from '../../config/schema.ts';
import type { Cluster } from '../../config/cluster.ts';
import { interruptionQueueName, KARPENTER_NAMESPACE } from '../../config/naming.ts';
import { defineAddon } from '../addon.ts';
import { CLUSTER_RBAC, CRD, irsaServiceAccount } from '../common.ts';

/** Karpenter's chart version; karpenter-crd is released with the same number. */
export const KARPENTER_VERSION = '1.14.1';

/** vCPU sizes a Fargate pod can have (as Kubernetes quantities), with the memory each allows, in MiB. */
export const FARGATE_SIZES = {
  '250m': [512, 1024, 2048],
  '500m': [1024, 2048, 3072, 4096],
  '1': range(2, 8),
  '2': range(4, 16),
  '4': range(8, 30),
} as const satisfies Record<string, readonly number[]>;

export type FargateCpu = keyof typeof FARGATE_SIZES;

/** The vCPU sizes in ascending order (object keys that look like integers would sort first). */
export const FARGATE_CPUS: readonly FargateCpu[] = ['250m', '500m', '1', '2', '4'];

/** Memory Fargate adds to every pod for the kubelet and kube-proxy (its size selection counts it). */
export const FARGATE_OVERHEAD_MIB = 256;

function range(fromGb: number, toGb: number): number[] {
  return Array.from({ length: toGb - fromGb + 1 }, (_, i) => (fromGb + i) * 1024);
}

/** Karpenter's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface KarpenterProps {
  /** Controller replicas; one leads, the other takes over within seconds. The chart's PDB allows one unavailable. */
  readonly replicas: number;
  /** Controller log level. */
  readonly logLevel: 'debug' | 'info' | 'error';
  /** Controller CPU, request = limit (Fargate bills the pod's requests), one of the Fargate vCPU sizes. */
  readonly cpu: FargateCpu;
  /**
   * Controller memory, request = limit. With Fargate's 256Mi it must fit a size of `cpu`. The default fills the 2 GB
   * that Fargate bills for 1 vCPU anyway (1Gi, upstream's example, would be billed the same).
   */
  readonly memory: string;
}

const MEMORY = /^([1-9]\d*)(Mi|Gi)$/;

function mebibytes(quantity: string): number {
  const [, n, unit] = MEMORY.exec(quantity)!;
  return Number(n) * (unit === 'Gi' ? 1024 : 1);
}

/** The Fargate size a controller pod is billed as (`{ cpu, memoryMiB }`), or undefined when it fits none of `cpu`'s sizes. */
export function fargateSize(cpu: FargateCpu, memory: string): { cpu: FargateCpu; memoryMiB: number } | undefined {
  const needed = mebibytes(memory) + FARGATE_OVERHEAD_MIB;
  const size = FARGATE_SIZES[cpu].find((m) => m >= needed);
  return size === undefined ? undefined : { cpu, memoryMiB: size };
}

/** The SQS interruption queue: from facts when it differs, else the naming convention. */
export function karpenterInterruptionQueue(cluster: Cluster): string {
  return cluster.facts.karpenterInterruptionQueue ?? interruptionQueueName(cluster);
}

export function karpenterValues(cluster: Cluster, props: KarpenterProps): Record<string, unknown> {
  const resources = { cpu: props.cpu, memory: props.memory };
  return {
    replicas: props.replicas,
    // On a fresh cluster CoreDNS has no node to run on yet; the Fargate host's resolver (the VPC's) always answers.
    dnsPolicy: 'Default',
    // IRSA: EKS Pod Identity does not work on Fargate. The bootstrap's role trusts exactly this service account.
    serviceAccount: irsaServiceAccount(cluster, 'karpenter'),
    logLevel: props.logLevel,
    controller: { resources: { requests: resources, limits: resources } },
    settings: {
      clusterName: cluster.name,
      interruptionQueue: karpenterInterruptionQueue(cluster),
      // Known from facts, so the controller does not depend on eks:DescribeCluster at start-up.
      ...(cluster.facts.clusterEndpoint ? { clusterEndpoint: cluster.facts.clusterEndpoint } : {}),
    },
  };
}

const CHART_REPO = 'oci://public.ecr.aws/karpenter';

export const karpenter = defineAddon<KarpenterProps>({
  id: 'karpenter',
  dependsOn: [], // runs on Fargate before any node exists, from the first wave
  description: 'Node autoscaler on Fargate: launches and retires the EC2 nodes',
  namespace: KARPENTER_NAMESPACE,
  irsa: { controller: 'karpenter', valuesPath: ['serviceAccount'] },
  chart: { repoURL: `${CHART_REPO}/karpenter`, chart: 'karpenter', version: KARPENTER_VERSION, releaseName: 'karpenter' },
  crdChart: { repoURL: `${CHART_REPO}/karpenter-crd`, chart: 'karpenter-crd', version: KARPENTER_VERSION, releaseName: 'karpenter-crd' },
  settings: {
    replicas: int({ min: 1, max: 5, default: 2 }),
    logLevel: str({ oneOf: ['debug', 'info', 'error'] as const, default: 'info' }),
    cpu: str({ oneOf: FARGATE_CPUS, default: '1' }),
    memory: str({ pattern: MEMORY, patternText: 'a memory quantity in Mi or Gi such as "1Gi"', default: '1792Mi' }),
  },
  validate: ({ settings }) => {
    const problems: Problem[] = [];
    const { cpu, memory } = settings;
    if (!fargateSize(cpu, memory)) {
      const max = Math.max(...FARGATE_SIZES[cpu]) - FARGATE_OVERHEAD_MIB;
      problems.push({
        path: 'addons.karpenter.memory',
        message: `got ${JSON.stringify(memory)}, which with Fargate's ${FARGATE_OVERHEAD_MIB}Mi fits no Fargate size of ${cpu} vCPU; allowed: at most ${max}Mi with cpu ${JSON.stringify(cpu)}, or a larger cpu`,
      });
    } else if (mebibytes(memory) < 256) {
      problems.push({ path: 'addons.karpenter.memory', message: `got ${JSON.stringify(memory)}; allowed: at least 256Mi (the controller is OOM-killed below that)` });
    }
    return problems;
  },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
    CRD,
  ],
  // The chart's Roles: read the kube-dns Service, and delete stale node leases.
  extraNamespaces: ['kube-system', 'kube-node-lease'],
  values: ({ cluster, settings }) => karpenterValues(cluster, settings),
});
