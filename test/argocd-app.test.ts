import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, argocdCmData } from '../apps/argocd-health.ts';
import { ARGOCD_WAVE } from '../apps/argocd-application.ts';
import { WAVES } from '../charts/addon.ts';
import { ARGO_CD_CHART } from '../charts/gitops/argo-cd.ts';
import { renderCluster } from '../src/render.ts';
import { exampleCluster, parse, tempConfig, writeCluster } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

/** A cluster file of our own (not one of config/clusters), with the given `argocd` block and environment. */
function fixture(argocd: string, environment = 'dev', name = 'alpha'): string {
  return `name: ${name}
environment: ${environment}
aws: { accountId: "333333333333", region: eu-central-1 }
kubernetesVersion: "1.33"
network:
  vpcId: vpc-0a1b2c3d4e5f60009
  privateSubnetIds: [subnet-0a1b2c3d4e5f60091, subnet-0a1b2c3d4e5f60092]
dns: { domain: alpha.example.com, hostedZoneId: Z0ALPHA4567890ABCDEF }
gitops: { repoURL: "https://github.com/example-org/platform-gitops.git" }
argocd:
${argocd.replace(/^/gm, '  ')}
addons:
  efs-controller: { enabled: false }
`;
}

function renderFixture(argocd: string, environment?: string) {
  const dir = tempConfig();
  writeCluster(dir, 'alpha', fixture(argocd, environment));
  // Its facts (a cluster without a facts file renders only its bootstrap template).
  writeFileSync(join(dir, 'facts', 'alpha.yaml'), 'clusterSecurityGroupId: sg-0a1b2c3d4e5f60099\noidcProvider: oidc.eks.eu-central-1.amazonaws.com/id/ALPHA\n');
  return renderCluster(exampleCluster('alpha', dir));
}

const APP = 'apps/application_argocd_alpha-argo-cd.yaml';
const values = (r: ReturnType<typeof renderFixture>) => parse(r, APP).spec.source.helm.valuesObject;

/** Fargate's vCPU → memory sizes (GiB), https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html. */
const FARGATE: Record<string, number[]> = {
  '0.25': [0.5, 1, 2],
  '0.5': [1, 2, 3, 4],
  '1': [2, 3, 4, 5, 6, 7, 8],
  '2': [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
};
const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const mib = (q: string) => (q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.replace(/Mi$/, '')));

describe('self-managed Argo CD (argocd.mode: in-cluster)', () => {
  const dev = renderFixture('mode: in-cluster');

  it('renders the pinned argo-cd chart, release name and namespace = argocd.namespace, before Karpenter', () => {
    const app = parse(dev, APP);
    const chartYaml = load(readFileSync(join(UPSTREAM, 'charts/argo-cd/Chart.yaml'), 'utf8')) as { version: string; name: string };
    expect(app.spec.source).toMatchObject({ repoURL: 'https://argoproj.github.io/argo-helm', chart: chartYaml.name, targetRevision: chartYaml.version });
    expect(app.spec.source.helm.releaseName).toBe('argocd');
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(app.metadata.namespace).toBe('argocd');
    expect(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBe(ARGOCD_WAVE);
    expect(ARGOCD_WAVE).toBeLessThan(Math.min(...Object.values(WAVES)));
    expect(ARGOCD_WAVE).toBeGreaterThan(-1);
    // Deleting the Application must not uninstall Argo CD.
    expect(app.metadata.finalizers).toBeUndefined();
    expect(app.spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true']);
  });

  it('carries the Application health check in configs.cm and keeps its CRDs; no hand-applied argocd-cm', () => {
    const v = values(dev);
    expect(v.configs.cm[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_LUA);
    // The same argocd-cm data a management Argo CD gets as a file.
    expect(v.configs.cm).toEqual(argocdCmData());
    // keep: not deleted with the release or the Application; Prune=false: not pruned by Argo CD either.
    expect(v.crds).toEqual({ install: true, keep: true, annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false' } });
    expect([...dev.files.keys()].filter((f) => f.startsWith('bootstrap/'))).toEqual(['bootstrap/application_argocd_alpha-root.yaml']);
  });

  it('puts Argo CD in its own project: its chart repo, its namespace, only the kinds the chart installs', () => {
    const app = parse(dev, APP);
    const project = parse(dev, 'apps/appproject_argocd_alpha-argocd.yaml');
    expect(app.spec.project).toBe('alpha-argocd');
    expect(project.spec.sourceRepos).toEqual([ARGO_CD_CHART.repoURL]);
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
    ]);
    expect(project.spec.namespaceResourceWhitelist).toBeUndefined();
    // The add-ons' project still never reaches Argo CD's namespace.
    const platform = parse(dev, 'apps/appproject_argocd_alpha-platform.yaml');
    expect(platform.spec.destinations.map((d: { namespace: string }) => d.namespace)).not.toContain('argocd');
  });

  it('follows a custom argocd.namespace everywhere', () => {
    const r = renderFixture('mode: in-cluster\nnamespace: gitops');
    const app = parse(r, 'apps/application_gitops_alpha-argo-cd.yaml');
    expect(app.spec.source.helm.releaseName).toBe('gitops');
    expect(app.spec.destination.namespace).toBe('gitops');
    expect(parse(r, 'apps/appproject_gitops_alpha-argocd.yaml').spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'gitops' }]);
  });

  it('runs single replicas in dev and HA (2 replicas + PDB, single Redis) in prod, overridable by argocd.ha', () => {
    const single = values(dev);
    for (const c of ['server', 'repoServer', 'applicationSet', 'controller']) expect(single[c].replicas).toBe(1);
    const prod = values(renderFixture('mode: in-cluster', 'prod'));
    for (const c of ['server', 'repoServer', 'applicationSet']) {
      expect(prod[c].replicas).toBe(2);
      expect(prod[c].pdb).toEqual({ enabled: true, minAvailable: 1 });
    }
    // Replicas of the application controller shard clusters; this Argo CD manages one.
    expect(prod.controller.replicas).toBe(1);
    expect(prod['redis-ha']).toEqual({ enabled: false });
    expect(values(renderFixture('mode: in-cluster\nha: false', 'prod')).server.replicas).toBe(1);
    expect(values(renderFixture('mode: in-cluster\nha: true')).server.replicas).toBe(2);
  });

  it('requests exactly a Fargate size (request + 256Mi) for every component', () => {
    for (const v of [values(dev), values(renderFixture('mode: in-cluster', 'prod'))]) {
      const blocks = Object.entries(v).filter(([, c]) => (c as { resources?: unknown }).resources);
      expect(blocks.map(([k]) => k).sort()).toEqual(['applicationSet', 'controller', 'redis', 'redisSecretInit', 'repoServer', 'server']);
      for (const [component, c] of blocks) {
        const { requests, limits } = (c as { resources: { requests: { cpu: string; memory: string }; limits: { memory: string } } }).resources;
        const gib = (mib(requests.memory) + 256) / 1024;
        expect(FARGATE[String(cpu(requests.cpu))], `${component}: ${requests.cpu}`).toContain(gib);
        expect(limits.memory).toBe(requests.memory);
      }
    }
  });

  it('deep-merges argocd.values over the platform values', () => {
    const v = values(renderFixture('mode: in-cluster\nvalues:\n  server:\n    replicas: 3\n  configs:\n    cm:\n      ui.bannercontent: dev'));
    expect(v.server.replicas).toBe(3);
    expect(v.server.resources.requests.cpu).toBe('250m');
    expect(v.configs.cm['ui.bannercontent']).toBe('dev');
    expect(v.configs.cm[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_LUA);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('validates against the pinned chart like every add-on, and catches a typo in argocd.values'), async () => {
    expect(await applicationHelmProblems(parse(dev, APP))).toEqual([]);
    expect(await applicationHelmProblems(parse(renderFixture('mode: in-cluster', 'prod'), APP))).toEqual([]);
    const typo = parse(renderFixture('mode: in-cluster\nvalues:\n  server:\n    replica: 3'), APP);
    expect((await applicationHelmProblems(typo)).join('\n')).toContain('has no value server.replica');
    // configs.cm is argocd-cm's data, which the chart passes through: its keys are Argo CD's, not the chart's.
    expect(await helmValuesProblems('argo-cd', ARGO_CD_CHART.version, { configs: { cm: { 'resource.customizations.health.example.com_Foo': 'hs = {}' } } })).toEqual([]);
  });
});

describe('Argo CD not self-managed (argocd.mode: management)', () => {
  it('renders no Argo CD Application and keeps the health check as an argocd-cm for the management Argo CD', () => {
    const dir = tempConfig();
    const role = 'arn:aws:iam::333333333333:role/argocd-manager';
    writeCluster(dir, 'alpha', `${fixture(`mode: management\nroleArn: "${role}"`)}bootstrap:\n  accessEntries:\n    "${role}": admin\n  endpoint:\n    privateAccessFrom:\n      cidrs: [10.0.0.0/16]\n`);
    // A management-mode cluster needs its API server URL among its facts.
    writeFileSync(join(dir, 'facts', 'alpha.yaml'), 'clusterEndpoint: https://ABCDEF0123456789ABCDEF0123456789.gr7.eu-central-1.eks.amazonaws.com\nclusterSecurityGroupId: sg-0a1b2c3d4e5f60099\n');
    const r = renderCluster(exampleCluster('alpha', dir));
    expect([...r.files.keys()].some((f) => f.includes('argo-cd') || f.includes('alpha-argocd'))).toBe(false);
    const cm = parse(r, 'bootstrap/configmap_argocd_argocd-cm.yaml');
    expect(cm.data).toEqual(argocdCmData());
    expect(cm.data[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_LUA);
    // Helm owns app.kubernetes.io/managed-by on a Helm-installed argocd-cm: claiming it would conflict.
    expect(cm.metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();
    expect(cm.metadata.labels['app.kubernetes.io/part-of']).toBe('argocd');
  });
});
