/**
 * Karpenter node pools: the `karpenter.sh/v1` NodePools and `karpenter.k8s.aws/v1` EC2NodeClasses Karpenter buys
 * nodes from. Plain manifests synced from git; their CRDs come with the Karpenter Application one wave earlier.
 */
import type { Chart } from 'cdk8s';
import type { Cluster } from '../../config/cluster.ts';
import { KARPENTER_NAMESPACE, karpenterNodeRoleName } from '../../config/naming.ts';
import { int, list, mapOf, obj, optional, show, str, type Infer, type Problem, type Schema } from '../../config/schema.ts';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/karpenter-ec2nodeclass-karpenter.k8s.aws.ts';
import {
  NodePool,
  NodePoolSpecDisruptionBudgetsReasons,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator as Op,
  NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenter-nodepool-karpenter.sh.ts';
import { defineAddon, type AddonContext } from '../addon.ts';

/**
 * The AL2023 EKS-optimized AMI release nodes run by default: `al2023@latest` would change every node without a
 * change in git. v20260930 is the newest release with public evidence (SSM parameter for 1.35 seen 2026-10-02).
 */
export const DEFAULT_AMI_ALIAS = 'al2023@v20260930';

/** EC2 instance categories (the letters before the generation, e.g. `c` in c7i), as Karpenter labels them. */
export const INSTANCE_CATEGORIES = ['a', 'c', 'd', 'dl', 'f', 'g', 'h', 'hpc', 'i', 'im', 'inf', 'is', 'm', 'mac', 'p', 'r', 't', 'trn', 'u', 'vt', 'x', 'z'] as const;

export const CONSOLIDATION_POLICIES = ['WhenEmptyOrUnderutilized', 'WhenEmpty', 'Balanced'] as const;
type ConsolidationPolicy = (typeof CONSOLIDATION_POLICIES)[number];

/** Pre-v1 (v1beta1) values and what karpenter.sh/v1 calls them now. */
const RENAMED_POLICIES: Readonly<Record<string, ConsolidationPolicy>> = { WhenUnderutilized: 'WhenEmptyOrUnderutilized' };

/** consolidationPolicy, with a hint for the pre-v1 names people copy from old examples. */
const POLICIES_TEXT = `one of ${CONSOLIDATION_POLICIES.map((p) => JSON.stringify(p)).join(', ')}`;
const DEFAULT_POLICY: ConsolidationPolicy = 'WhenEmptyOrUnderutilized';
const consolidationPolicy: Schema<ConsolidationPolicy> = {
  describe: POLICIES_TEXT,
  json: { type: 'string', description: POLICIES_TEXT, enum: [...CONSOLIDATION_POLICIES], default: DEFAULT_POLICY },
  fallback: () => DEFAULT_POLICY,
  check(value, path, problems) {
    if (CONSOLIDATION_POLICIES.includes(value as ConsolidationPolicy)) return value as ConsolidationPolicy;
    const renamed = typeof value === 'string' ? RENAMED_POLICIES[value] : undefined;
    const hint = renamed ? ` (a pre-v1 value: karpenter.sh/v1 calls it ${JSON.stringify(renamed)})` : '';
    problems.push({ path, message: `got ${show(value)}${hint}; allowed: ${POLICIES_TEXT}` });
    return undefined as unknown as ConsolidationPolicy;
  },
};

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME_TEXT = 'a lowercase DNS label such as "general"';
// The CRD's patterns: Go durations of s/m/h, or Never.
const DURATION_OR_NEVER = /^(([0-9]+(s|m|h))+|Never)$/;
const DURATION = /^([0-9]+(s|m|h))+$/;

const budgetSchema = obj({
  /** Nodes that may be disrupted at once: a count or a percentage of the pool. */
  nodes: str({ pattern: /^((100|[0-9]{1,2})%|[0-9]+)$/, patternText: 'a node count such as "2" or a percentage such as "10%"' }),
  /** Disruption reasons the budget limits. @default all */
  reasons: optional(list(str({ oneOf: Object.values(NodePoolSpecDisruptionBudgetsReasons) }), { minItems: 1, unique: true })),
  /** Cron schedule (UTC) when the budget starts; needs `duration`. @default always active */
  schedule: optional(str({ pattern: /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/, patternText: 'a cron schedule such as "0 9 * * mon-fri"' })),
  /** How long the budget is active after each `schedule` hit; minutes and hours. */
  duration: optional(str({ pattern: /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/, patternText: 'a duration in hours and minutes such as "8h" or "1h30m"' })),
});

const taintSchema = obj({
  key: str({ pattern: /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, patternText: 'a taint key such as "workload" or "example.com/batch"' }),
  value: optional(str({ pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, patternText: 'a label value', maxLength: 63 })),
  effect: str({ oneOf: Object.values(NodePoolSpecTemplateSpecTaintsEffect) }),
});

const poolSchema = obj({
  name: str({ pattern: NAME, patternText: NAME_TEXT }),
  /** The EC2NodeClass (key of `nodeClasses`) the pool's nodes use. */
  nodeClass: str({ pattern: NAME, patternText: NAME_TEXT, default: 'default' }),
  /** Capacity types; with both, Karpenter prefers Spot and falls back to On-Demand. */
  capacityTypes: list(str({ oneOf: ['spot', 'on-demand'] as const }), { minItems: 1, unique: true, default: ['spot', 'on-demand'] }),
  categories: list(str({ oneOf: INSTANCE_CATEGORIES }), { minItems: 1, unique: true, default: ['c', 'm', 'r'] }),
  /** Oldest instance generation, e.g. 6 for c6i/m6g and newer. */
  minGeneration: int({ min: 1, max: 20, default: 6 }),
  arch: list(str({ oneOf: ['amd64', 'arm64'] as const }), { minItems: 1, unique: true, default: ['amd64'] }),
  /** What the pool may own in total; Karpenter stops buying at the limit. Required, so every pool has a cost cap. */
  limits: obj({
    cpu: int({ min: 1, max: 100_000 }),
    memory: str({ pattern: /^[1-9]\d*(Gi|Ti)$/, patternText: 'a memory quantity above zero in Gi or Ti such as "400Gi"' }),
  }),
  disruption: obj({
    consolidationPolicy,
    /** How long a node must be empty or underutilized before it is consolidated. */
    consolidateAfter: str({ pattern: DURATION_OR_NEVER, patternText: 'a duration such as "30s", "5m" or "Never"', default: '1m' }),
    /** Nodes are replaced after this age, so they pick up new AMIs and patches (720h is 30 days). */
    expireAfter: str({ pattern: DURATION_OR_NEVER, patternText: 'a duration such as "720h" or "Never"', default: '720h' }),
    /** Longest drain of a node being disrupted before its pods are deleted anyway (so an expiry always completes). */
    terminationGracePeriod: str({ pattern: DURATION, patternText: 'a duration such as "48h"', default: '48h' }),
    budgets: list(budgetSchema, { minItems: 1, default: [{ nodes: '10%' }] as Infer<typeof budgetSchema>[] }),
  }),
  /** Taints on the pool's nodes: only pods that tolerate them land there. */
  taints: list(taintSchema, { default: [] }),
  /** Priority among pools that fit a pod (higher first). @default none (0) */
  weight: optional(int({ min: 1, max: 100 })),
});

const nodeClassSchema = obj({
  /** Pinned AL2023 AMI release. */
  amiAlias: str({
    pattern: /^al2023@v\d{8}$/,
    patternText: 'a pinned AL2023 release such as "al2023@v20260930" (not @latest: it would change nodes without a change in git)',
    default: DEFAULT_AMI_ALIAS,
  }),
  /** Root (gp3, encrypted) volume size in GiB. */
  rootVolumeGiB: int({ min: 20, max: 16_000, default: 50 }),
  /** Explicit subnets. @default the cluster's `network.privateSubnetIds` */
  subnetIds: optional(list(str({ pattern: /^subnet-[0-9a-f]{8,17}$/, patternText: 'a subnet id such as "subnet-0123456789abcdef0"' }), { minItems: 1, unique: true })),
  /** Explicit security groups. @default the EKS cluster security group (the fact `clusterSecurityGroupId`) */
  securityGroupIds: optional(list(str({ pattern: /^sg-[0-9a-f]{8,17}$/, patternText: 'a security group id such as "sg-0123456789abcdef0"' }), { minItems: 1, unique: true })),
});

export type NodePoolConfig = Infer<typeof poolSchema>;
export type NodeClassConfig = Infer<typeof nodeClassSchema>;

/** Defaults are run through the schema, so a cluster without the block gets the same filled values as one with it. */
function filled<T>(schema: Schema<T>, raw: unknown): T {
  const problems: Problem[] = [];
  const value = schema.check(raw, '', problems);
  if (problems.length > 0) throw new Error(`invalid built-in default: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return value;
}

const poolsSchema = list(poolSchema, { minItems: 1 });
const nodeClassesSchema = mapOf(nodeClassSchema, { keyPattern: NAME, keyText: NAME_TEXT });

/**
 * The add-on's settings as the hooks get them: the loader fills every default from the `settings` schema below (the
 * `@default` words describe defaultPools and defaultNodeClasses, too long for the docs' table).
 */
export interface KarpenterNodePoolsProps {
  /** The NodePools. @default one "general" pool: Spot and On-Demand, c/m/r generation 6+, amd64, 100 vCPU / 400Gi */
  readonly pools: readonly NodePoolConfig[];
  /** The EC2NodeClasses by name. @default one "default" class with DEFAULT_AMI_ALIAS */
  readonly nodeClasses: Readonly<Record<string, NodeClassConfig>>;
}

export function defaultPools(): NodePoolConfig[] {
  return filled(poolsSchema, [{ name: 'general', limits: { cpu: 100, memory: '400Gi' } }]);
}

export function defaultNodeClasses(): Record<string, NodeClassConfig> {
  return filled(nodeClassesSchema, { default: {} });
}

const PATH = 'addons.karpenter-node-pools';

/** Contradictions a schema cannot see: duplicate names, unknown node classes, half-set budget windows, no untainted pool. */
export function validateNodePools(props: KarpenterNodePoolsProps): Problem[] {
  const { pools, nodeClasses: classes } = props;
  const problems: Problem[] = [];
  const seen = new Set<string>();
  pools.forEach((pool, i) => {
    const at = `${PATH}.pools[${i}]`;
    if (seen.has(pool.name)) problems.push({ path: `${at}.name`, message: `got ${show(pool.name)} a second time; allowed: a name no other pool has` });
    seen.add(pool.name);
    if (!(pool.nodeClass in classes)) {
      problems.push({ path: `${at}.nodeClass`, message: `got ${show(pool.nodeClass)}; allowed: a key of ${PATH}.nodeClasses (${Object.keys(classes).map((k) => JSON.stringify(k)).join(', ') || 'none defined'})` });
    }
    pool.disruption.budgets.forEach((b, j) => {
      if ((b.schedule === undefined) !== (b.duration === undefined)) {
        const [has, lacks] = b.schedule === undefined ? ['duration', 'schedule'] : ['schedule', 'duration'];
        problems.push({ path: `${at}.disruption.budgets[${j}]`, message: `got ${has} without ${lacks}; allowed: both schedule and duration, or neither (always active)` });
      }
    });
  });
  if (pools.length > 0 && pools.every((p) => p.taints.length > 0)) {
    problems.push({ path: `${PATH}.pools`, message: `got ${pools.length} pool(s), every one with a taint; allowed: at least one pool without taints, for the workloads that tolerate none` });
  }
  return problems;
}

/** A node class without explicit security groups joins the cluster security group, which only the bootstrap knows. */
function securityGroupFactProblems(cluster: Cluster, props: KarpenterNodePoolsProps): Problem[] {
  const classes = props.nodeClasses;
  if (cluster.facts.clusterSecurityGroupId !== undefined || Object.values(classes).every((nc) => nc.securityGroupIds)) return [];
  return [
    {
      path: 'facts.clusterSecurityGroupId',
      message:
        `Karpenter's nodes join the EKS cluster security group, the fact clusterSecurityGroupId in ${cluster.files.facts ?? `config/facts/${cluster.name}.yaml`} ` +
        `(got nothing); allowed: written by \`npm run facts -- pull --cluster ${cluster.name}\` after the bootstrap, or securityGroupIds on every node class`,
    },
  ];
}

/**
 * Selector terms by id: the subnets and security group the bootstrap knows, so no `karpenter.sh/discovery` tag has to
 * be put by hand on resources the stack does not own (the EKS-created cluster security group, the user's subnets).
 */
function idTerms(ids: readonly string[]) {
  return ids.map((id) => ({ id }));
}

/** Adds the EC2NodeClasses and NodePools of a cluster to `scope`. */
export function renderNodePools(scope: Chart, cluster: Cluster, props: KarpenterNodePoolsProps): void {
  const classes = props.nodeClasses;
  for (const [name, nc] of Object.entries(classes)) {
    new Ec2NodeClass(scope, `nodeclass-${name}`, {
      metadata: { name },
      spec: {
        // The bootstrap creates this role (and its instance profile and access entry) for Karpenter's nodes.
        role: karpenterNodeRoleName(cluster),
        amiSelectorTerms: [{ alias: nc.amiAlias }],
        subnetSelectorTerms: idTerms(nc.subnetIds ?? cluster.network.privateSubnetIds),
        securityGroupSelectorTerms: idTerms(nc.securityGroupIds ?? [cluster.facts.clusterSecurityGroupId ?? '']),
        // IMDSv2 only, one hop: pods cannot reach the node's credentials (they use IRSA).
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpProtocolIPv6: Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
          httpPutResponseHopLimit: 1,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            rootVolume: true,
            ebs: {
              volumeSize: `${nc.rootVolumeGiB}Gi`,
              volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            },
          },
        ],
      },
    });
  }

  for (const pool of props.pools) {
    const d = pool.disruption;
    new NodePool(scope, `nodepool-${pool.name}`, {
      metadata: { name: pool.name },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: pool.nodeClass },
            requirements: [
              { key: 'karpenter.sh/capacity-type', operator: Op.IN, values: [...pool.capacityTypes] },
              { key: 'kubernetes.io/arch', operator: Op.IN, values: [...pool.arch] },
              { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
              { key: 'karpenter.k8s.aws/instance-category', operator: Op.IN, values: [...pool.categories] },
              { key: 'karpenter.k8s.aws/instance-generation', operator: Op.GT, values: [String(pool.minGeneration - 1)] },
            ],
            ...(pool.taints.length > 0
              ? { taints: pool.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect as NodePoolSpecTemplateSpecTaintsEffect })) }
              : {}),
            expireAfter: d.expireAfter,
            terminationGracePeriod: d.terminationGracePeriod,
          },
        },
        limits: { cpu: NodePoolSpecLimits.fromNumber(pool.limits.cpu), memory: NodePoolSpecLimits.fromString(pool.limits.memory) },
        disruption: {
          consolidationPolicy: d.consolidationPolicy as NodePoolSpecDisruptionConsolidationPolicy,
          consolidateAfter: d.consolidateAfter,
          budgets: d.budgets.map((b) => ({
            nodes: b.nodes,
            ...(b.reasons ? { reasons: b.reasons as NodePoolSpecDisruptionBudgetsReasons[] } : {}),
            ...(b.schedule ? { schedule: b.schedule, duration: b.duration } : {}),
          })),
        },
        ...(pool.weight !== undefined ? { weight: pool.weight } : {}),
      },
    });
  }
}

export const karpenterNodePools = defineAddon<KarpenterNodePoolsProps>({
  id: 'karpenter-node-pools',
  dependsOn: [{ id: 'karpenter', reason: 'the NodePool and EC2NodeClass CRDs, and the controller that launches their nodes' }],
  description: 'Karpenter NodePools and EC2NodeClasses: what nodes Karpenter may buy',
  // Cluster-scoped objects only; the destination namespace is Karpenter's.
  namespace: KARPENTER_NAMESPACE,
  settings: {
    pools: { ...poolsSchema, fallback: defaultPools },
    nodeClasses: { ...nodeClassesSchema, fallback: defaultNodeClasses },
  },
  validate: ({ cluster, settings }: AddonContext<KarpenterNodePoolsProps>) => [...validateNodePools(settings), ...securityGroupFactProblems(cluster, settings)],
  manifests: (scope, { cluster, settings }) => renderNodePools(scope, cluster, settings),
});
