import { describe, expect, it } from 'vitest';
import { WAVES } from '../charts/addon.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_AMI_ALIAS, karpenterNodePools } from '../charts/foundation/karpenter-node-pools.ts';
import { configErrors, editCluster, fixtureCluster, parse, renderAddon, renderFixture as render, tempConfig, type RenderedAddon } from './helpers.ts';
import { needsUpstream, pinnedCrd, schemaProblems, UPSTREAM_MISSING } from './schema-helpers.ts';

const FOLDER = 'addons/karpenter-node-pools';
type Rendered = Pick<RenderedAddon, 'files'>;
/** A copy of dev's addons.karpenter-node-pools (filled, so valid as written) to edit. */
const devBlock = () => structuredClone(fixtureCluster('dev').addons['karpenter-node-pools'].settings) as Record<string, any>;
const pool = (r: Rendered, name: string) => parse(r, `${FOLDER}/nodepool_${name}.yaml`);
const nodeClass = (r: Rendered, name = 'default') => parse(r, `${FOLDER}/ec2nodeclass_${name}.yaml`);
const requirement = (p: Record<string, any>, key: string) => p.spec.template.spec.requirements.find((r: { key: string }) => r.key === key);
const objects = (r: Rendered) => [...r.files.keys()].filter((f) => f.startsWith(`${FOLDER}/`)).map((f) => parse(r, f));

describe('karpenter-node-pools Application', () => {
  it.each(['dev', 'prod'])('%s: syncs its dist/ folder from git in the wave after Karpenter, skipping dry-run until the CRDs exist', (cluster) => {
    const app = parse(render(cluster), `apps/application_argocd_${cluster}-karpenter-node-pools.yaml`);
    expect(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBe(WAVES['karpenter-node-pools']);
    expect(WAVES['karpenter-node-pools']).toBeGreaterThan(WAVES.karpenter);
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/example-org/platform-gitops.git',
      targetRevision: cluster === 'prod' ? 'release' : 'main',
      path: `dist/${cluster}/${FOLDER}`,
    });
    expect(app.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
  });
});

describe('NodePools', () => {
  it('renders the dev general pool: Spot and On-Demand, c/m/r of generation 6+, amd64, limits and consolidation', () => {
    const general = pool(render('dev'), 'general');
    expect(general.apiVersion).toBe('karpenter.sh/v1');
    expect(general.metadata).toEqual({ name: 'general' });
    expect(requirement(general, 'karpenter.sh/capacity-type')).toEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] });
    expect(requirement(general, 'karpenter.k8s.aws/instance-category').values).toEqual(['c', 'm', 'r']);
    expect(requirement(general, 'karpenter.k8s.aws/instance-generation')).toEqual({ key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] });
    expect(requirement(general, 'kubernetes.io/arch').values).toEqual(['amd64']);
    expect(general.spec.limits).toEqual({ cpu: 32, memory: '128Gi' });
    expect(general.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '30s', budgets: [{ nodes: '10%' }] });
    expect(general.spec.template.spec).toMatchObject({
      expireAfter: '168h',
      terminationGracePeriod: '48h',
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    });
    expect(general.spec.template.spec.taints).toBeUndefined();
  });

  it('renders prod with a second, Spot-only, tainted batch pool and a business-hours budget', () => {
    const prod = render('prod');
    expect(objects(prod).filter((o) => o.kind === 'NodePool').map((o) => o.metadata.name)).toEqual(['batch', 'general']);
    const batch = pool(prod, 'batch');
    expect(requirement(batch, 'karpenter.sh/capacity-type').values).toEqual(['spot']);
    expect(requirement(batch, 'karpenter.k8s.aws/instance-category').values).toEqual(['c', 'm']);
    expect(batch.spec.template.spec.taints).toEqual([{ key: 'workload', value: 'batch', effect: 'NoSchedule' }]);
    expect(batch.spec.disruption.consolidationPolicy).toBe('WhenEmpty');
    expect(batch.spec.limits).toEqual({ cpu: 200, memory: '800Gi' });
    expect(pool(prod, 'general').spec.disruption.budgets).toEqual([
      { nodes: '10%' },
      { nodes: '0', reasons: ['Underutilized'], schedule: '0 7 * * mon-fri', duration: '11h' },
    ]);
  });

  it('renders one default pool with a cost cap when the cluster has no block', () => {
    const r = renderAddon(karpenterNodePools, { settings: {} });
    expect(objects(r).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['EC2NodeClass/default', 'NodePool/general']);
    const general = pool(r, 'general');
    expect(general.spec.limits).toEqual({ cpu: 100, memory: '400Gi' });
    expect(general.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m', budgets: [{ nodes: '10%' }] });
    expect(general.spec.template.spec.expireAfter).toBe('720h');
    expect(nodeClass(r).spec.amiSelectorTerms).toEqual([{ alias: DEFAULT_AMI_ALIAS }]);
  });
});

describe('EC2NodeClass', () => {
  it('uses the node role of the naming convention, the cluster\'s own subnets and security group by id (no tag to put by hand), IMDSv2 and an encrypted gp3 root volume', () => {
    const nc = nodeClass(render('dev'));
    expect(nc.apiVersion).toBe('karpenter.k8s.aws/v1');
    expect(nc.spec.role).toBe('dev-karpenter-node');
    expect(nc.spec.subnetSelectorTerms).toEqual(fixtureCluster('dev').network.privateSubnetIds.map((id) => ({ id })));
    expect(nc.spec.securityGroupSelectorTerms).toEqual([{ id: fixtureCluster('dev').facts.clusterSecurityGroupId }]);
    expect(nc.spec.securityGroupSelectorTerms[0].id).toMatch(/^sg-/);
    expect(nc.spec.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' });
    expect(nc.spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '30Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
    ]);
  });

  it('pins the AMI per cluster: dev the newest release, prod the one before', () => {
    expect(nodeClass(render('dev')).spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20260930' }]);
    expect(nodeClass(render('prod')).spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20260923' }]);
    expect(nodeClass(render('prod')).spec.role).toBe('prod-karpenter-node');
  });

  it('selects explicit subnets and security groups from config', () => {
    const block = devBlock();
    Object.assign(block.nodeClasses.default, {
      subnetIds: ['subnet-0a1b2c3d4e5f60011', 'subnet-0a1b2c3d4e5f60012'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    });
    const nc = nodeClass(renderAddon(karpenterNodePools, { settings: block }));
    expect(nc.spec.subnetSelectorTerms).toEqual([{ id: 'subnet-0a1b2c3d4e5f60011' }, { id: 'subnet-0a1b2c3d4e5f60012' }]);
    expect(nc.spec.securityGroupSelectorTerms).toEqual([{ id: 'sg-0123456789abcdef0' }]);
  });

  it('needs the clusterSecurityGroupId fact unless every node class names its security groups', () => {
    const dir = tempConfig();
    const facts = join(dir, 'facts', 'dev.yaml');
    writeFileSync(facts, readFileSync(facts, 'utf8').replace(/^clusterSecurityGroupId: .*\n/m, ''));
    expect(configErrors(dir).filter((e) => e.includes('clusterSecurityGroupId'))).toEqual([
      "clusters/dev.yaml: facts.clusterSecurityGroupId: Karpenter's nodes join the EKS cluster security group, the fact clusterSecurityGroupId in facts/dev.yaml (got nothing); allowed: written by `npm run facts -- pull --cluster dev` after the bootstrap, or securityGroupIds on every node class",
    ]);
    editCluster(dir, 'dev', (d) => (d.addons['karpenter-node-pools'].nodeClasses.default.securityGroupIds = ['sg-0123456789abcdef0']));
    expect(configErrors(dir)).toEqual([]);
  });
});

describe('CRD schemas', () => {
  it.skipIf(UPSTREAM_MISSING).each(['dev', 'prod'])(needsUpstream('%s: every NodePool and EC2NodeClass is valid against the pinned v1.14.1 CRDs'), async (cluster) => {
    const rendered = objects(render(cluster));
    expect(rendered.length).toBeGreaterThanOrEqual(2);
    for (const o of rendered) expect((await pinnedCrd(o.apiVersion, o.kind))?.file, o.kind).toMatch(/^crds\/karpenter\//);
    expect(await schemaProblems(rendered)).toEqual([]);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('catches what the API server would reject or silently drop'), async () => {
    const general = pool(render('dev'), 'general');
    const broken = structuredClone(general);
    broken.spec.disruption.consolidationPolicy = 'WhenUnderutilized';
    broken.spec.template.spec.expireAfter = '30d';
    broken.spec.template.spec.nodeclassRef = broken.spec.template.spec.nodeClassRef;
    const problems = (await schemaProblems([broken])).map((l) => l.replace(/^NodePool\/general: /, ''));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spec\.disruption\.consolidationPolicy: got "WhenUnderutilized"; allowed: .*WhenEmptyOrUnderutilized/),
        expect.stringMatching(/^spec\.template\.spec\.expireAfter: got "30d"; allowed: a value that must match pattern/),
        expect.stringMatching(/^spec\.template\.spec\.nodeclassRef: unknown field/),
      ]),
    );
  });
});

describe('karpenter-node-pools validation', () => {
  /** Config errors after editing dev's block. */
  function errors(edit: (block: Record<string, any>) => void): string[] {
    const block = devBlock();
    edit(block);
    return renderAddon(karpenterNodePools, { settings: block }).errors;
  }
  const batch = () => ({ name: 'batch', capacityTypes: ['spot'], limits: { cpu: 10, memory: '40Gi' }, taints: [{ key: 'workload', value: 'batch', effect: 'NoSchedule' }] });
  const P = 'clusters/dev.yaml: addons.karpenter-node-pools';

  it('fails a pool with no capacity type', () => {
    expect(errors((b) => b.pools.push({ ...batch(), capacityTypes: [] }))).toEqual([
      `${P}.pools[1].capacityTypes: got [] (a list); allowed: a list of at least 1 of one of "spot", "on-demand", without repeats`,
    ]);
  });

  it('fails limits at or below zero', () => {
    expect(errors((b) => b.pools.push({ ...batch(), limits: { cpu: 0, memory: '0Gi' } }))).toEqual([
      `${P}.pools[1].limits.cpu: got 0 (number); allowed: a whole number >= 1 and <= 100000`,
      `${P}.pools[1].limits.memory: got "0Gi" (string); allowed: a memory quantity above zero in Gi or Ti such as "400Gi"`,
    ]);
  });

  it('fails a pool without limits', () => {
    expect(errors((b) => b.pools.push({ ...batch(), limits: undefined }))).toEqual([
      `${P}.pools[1].limits: missing; allowed: a map with keys cpu, memory`,
    ]);
  });

  it('fails an unknown instance category', () => {
    expect(errors((b) => (b.pools[0].categories = ['c', 'q']))).toEqual([
      `${P}.pools[0].categories[1]: got "q" (string); allowed: one of ${['a', 'c', 'd', 'dl', 'f', 'g', 'h', 'hpc', 'i', 'im', 'inf', 'is', 'm', 'mac', 'p', 'r', 't', 'trn', 'u', 'vt', 'x', 'z'].map((c) => `"${c}"`).join(', ')}`,
    ]);
  });

  it('fails a pre-v1 consolidation policy and names its v1 replacement', () => {
    expect(errors((b) => (b.pools[0].disruption.consolidationPolicy = 'WhenUnderutilized'))).toEqual([
      `${P}.pools[0].disruption.consolidationPolicy: got "WhenUnderutilized" (a pre-v1 value: karpenter.sh/v1 calls it "WhenEmptyOrUnderutilized"); allowed: one of "WhenEmptyOrUnderutilized", "WhenEmpty", "Balanced"`,
    ]);
  });

  it('fails an unpinned AMI alias', () => {
    expect(errors((b) => (b.nodeClasses.default.amiAlias = 'al2023@latest'))).toEqual([
      `${P}.nodeClasses.default.amiAlias: got "al2023@latest" (string); allowed: a pinned AL2023 release such as "al2023@v20260930" (not @latest: it would change nodes without a change in git)`,
    ]);
  });

  it('fails a duration the CRD does not accept', () => {
    expect(errors((b) => (b.pools[0].disruption.expireAfter = '30d'))).toEqual([
      `${P}.pools[0].disruption.expireAfter: got "30d" (string); allowed: a duration such as "720h" or "Never"`,
    ]);
  });

  it('fails two pools with one name', () => {
    expect(errors((b) => b.pools.push({ ...batch(), name: 'general' }))).toEqual([
      `${P}.pools[1].name: got "general" a second time; allowed: a name no other pool has`,
    ]);
  });

  it('fails a pool whose node class is not defined', () => {
    expect(errors((b) => b.pools.push({ ...batch(), nodeClass: 'gpu' }))).toEqual([
      `${P}.pools[1].nodeClass: got "gpu"; allowed: a key of addons.karpenter-node-pools.nodeClasses ("default")`,
    ]);
  });

  it('fails a budget with a schedule but no duration', () => {
    expect(errors((b) => (b.pools[0].disruption.budgets = [{ nodes: '0', schedule: '@daily' }]))).toEqual([
      `${P}.pools[0].disruption.budgets[0]: got schedule without duration; allowed: both schedule and duration, or neither (always active)`,
    ]);
  });

  it('fails a cluster where every pool is tainted', () => {
    expect(errors((b) => (b.pools = [batch()]))).toEqual([
      `${P}.pools: got 1 pool(s), every one with a taint; allowed: at least one pool without taints, for the workloads that tolerate none`,
    ]);
  });

  it('fails a taint effect Kubernetes does not have', () => {
    expect(errors((b) => b.pools.push({ ...batch(), taints: [{ key: 'workload', effect: 'NoExecution' }] }))).toEqual([
      `${P}.pools[1].taints[0].effect: got "NoExecution" (string); allowed: one of "NoSchedule", "PreferNoSchedule", "NoExecute"`,
    ]);
  });
});
