import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { WAVES } from '../charts/addon.ts';
import { fargateSize, karpenter, KARPENTER_VERSION } from '../charts/foundation/karpenter.ts';
import { KARPENTER_NAMESPACE, SERVICE_ACCOUNTS } from '../config/naming.ts';
import { editCluster, fixtureCluster, parse, render, renderAddon, tempConfig } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

const app = (cluster: string, dir?: string) => parse(render(cluster, dir), `apps/application_argocd_${cluster}-karpenter.yaml`);
const crdApp = (cluster: string, dir?: string) => parse(render(cluster, dir), `apps/application_argocd_${cluster}-karpenter-crds.yaml`);
const chartSource = (a: Record<string, any>) => a.spec.source;
const crdSource = (a: Record<string, any>) => a.spec.source;
/** The values the Application carries, from the add-on's hooks in memory. */
const values = (cluster: string) => renderAddon(karpenter, { cluster }).values!;

describe('karpenter Application', () => {
  it.each(['dev', 'prod'])('%s: deploys the pinned OCI chart, without its CRDs (the CRD Application owns them)', (cluster) => {
    const a = app(cluster);
    expect(a.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(WAVES.karpenter));
    expect(a.spec.destination.namespace).toBe('karpenter');
    expect(KARPENTER_NAMESPACE).toBe('karpenter');
    expect(a.spec.sources).toBeUndefined();
    // Argo CD >= 3.1 native OCI: the chart is named in repoURL and read from the artifact's root.
    expect(chartSource(a)).toMatchObject({
      repoURL: 'oci://public.ecr.aws/karpenter/karpenter',
      path: '.',
      targetRevision: '1.14.1',
      helm: { releaseName: 'karpenter', skipCrds: true },
    });
    expect(chartSource(a).chart).toBeUndefined();
  });

  it.each(['dev', 'prod'])('%s: installs the CRD chart one wave earlier in an Application that never deletes or prunes them', (cluster) => {
    const a = crdApp(cluster);
    expect(crdSource(a)).toEqual({
      repoURL: 'oci://public.ecr.aws/karpenter/karpenter-crd',
      path: '.',
      targetRevision: '1.14.1',
      helm: { releaseName: 'karpenter-crd' },
    });
    expect(a.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(WAVES.karpenter - 1));
    // The protection (karpenter-crd has no values to annotate its CRDs): Delete=false and Prune=false for every
    // object it manages, no pruning by auto-sync, no resources finalizer.
    expect(a.spec.syncPolicy.syncOptions).toEqual(['Delete=false', 'Prune=false']);
    expect(a.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(a.metadata.finalizers).toBeUndefined();
    expect(a.spec.project).toBe(app(cluster).spec.project);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('pins the version of the upstream chart copy and of PROVENANCE.md'), () => {
    const chart = load(readFileSync(join(UPSTREAM, 'charts', 'karpenter', 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    expect(KARPENTER_VERSION).toBe(chart.version);
    expect(karpenter.chart?.version).toBe(chart.version);
    expect(karpenter.crdChart?.version).toBe(chart.version);
    const provenance = readFileSync(join(UPSTREAM, 'PROVENANCE.md'), 'utf8');
    expect(provenance).toContain(`Helm repository: \`${karpenter.chart?.repoURL}\``);
  });

  it('moves the CRD chart with a version override, so CRDs never lag the controller', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.karpenter.version = '1.14.0'));
    expect(chartSource(app('dev', dir)).targetRevision).toBe('1.14.0');
    expect(crdSource(crdApp('dev', dir)).targetRevision).toBe('1.14.0');
  });

  it('lets the AppProject pull both OCI charts and deploy to the namespaces the chart uses', () => {
    const project = parse(render('prod'), 'apps/appproject_argocd_prod-platform.yaml');
    expect(project.spec.sourceRepos).toEqual(expect.arrayContaining(['oci://public.ecr.aws/karpenter/karpenter', 'oci://public.ecr.aws/karpenter/karpenter-crd']));
    const namespaces = project.spec.destinations.map((d: { namespace: string }) => d.namespace);
    expect(namespaces).toEqual(expect.arrayContaining(['karpenter', 'kube-system', 'kube-node-lease']));
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
  });
});

describe('karpenter values', () => {
  it('starts before any node exists: Fargate-friendly DNS, IRSA, requests equal to limits', () => {
    const v = values('dev');
    expect(v.dnsPolicy).toBe('Default');
    expect(v.serviceAccount).toEqual({
      create: true,
      name: SERVICE_ACCOUNTS.karpenter.name,
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/dev-karpenter' },
    });
    expect(v.controller.resources.requests).toEqual(v.controller.resources.limits);
    expect(v.controller.resources.requests).toEqual({ cpu: '500m', memory: '768Mi' });
  });

  it('sets cluster name, interruption queue and endpoint from config and facts', () => {
    expect(values('dev').settings).toEqual({
      clusterName: 'dev',
      interruptionQueue: 'dev-karpenter-interruption',
      clusterEndpoint: 'https://FEDCBA9876543210FEDCBA9876543210.gr7.eu-west-1.eks.amazonaws.com',
    });
    expect(values('prod').settings.interruptionQueue).toBe('prod-karpenter-interruption');
  });

  it('sizes dev small and prod highly available', () => {
    expect(values('dev')).toMatchObject({ replicas: 1, logLevel: 'debug' });
    const prod = values('prod');
    expect(prod).toMatchObject({ replicas: 2, logLevel: 'info' });
    expect(prod.controller.resources.limits).toEqual({ cpu: '1', memory: '1792Mi' });
  });

  it('takes the role ARN and queue name from facts when the bootstrap used other names', () => {
    const prod = fixtureCluster('prod');
    const facts = { ...prod.facts, karpenterInterruptionQueue: 'legacy-queue', roleArns: { karpenter: 'arn:aws:iam::222222222222:role/LegacyKarpenter' } };
    const v = renderAddon(karpenter, { cluster: 'prod', overrides: { facts } }).values!;
    expect(v.settings.interruptionQueue).toBe('legacy-queue');
    expect(v.serviceAccount.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::222222222222:role/LegacyKarpenter');
  });

  it.skipIf(UPSTREAM_MISSING).each(['dev', 'prod'])(needsUpstream('%s: sets only keys the pinned chart has'), async (cluster) => {
    expect(await applicationHelmProblems(app(cluster))).toEqual([]);
    // The check itself can fail.
    expect(await helmValuesProblems('karpenter', KARPENTER_VERSION, { settings: { clusterName: 'x', interruptionQueueName: 'y' } })).toEqual([
      expect.stringMatching(/^settings\.interruptionQueueName: chart karpenter 1\.14\.1 has no value settings\.interruptionQueueName /),
    ]);
  });
});

describe('karpenter Fargate sizing', () => {
  const dev = { karpenter: fixtureCluster('dev').addons.karpenter.settings };
  it('reports the Fargate size a controller pod is billed as', () => {
    expect(fargateSize('500m', '768Mi')).toEqual({ cpu: '500m', memoryMiB: 1024 });
    expect(fargateSize('1', '1792Mi')).toEqual({ cpu: '1', memoryMiB: 2048 });
    expect(fargateSize('1', '1Gi')).toEqual({ cpu: '1', memoryMiB: 2048 });
    expect(fargateSize('250m', '2Gi')).toBeUndefined();
  });

  it('fails memory that fits no Fargate size of the cpu', () => {
    expect(renderAddon(karpenter, { settings: { ...dev.karpenter, cpu: '250m', memory: '2Gi' } }).errors).toEqual([
      `clusters/dev.yaml: addons.karpenter.memory: got "2Gi", which with Fargate's 256Mi fits no Fargate size of 250m vCPU; allowed: at most 1792Mi with cpu "250m", or a larger cpu`,
    ]);
  });

  it('fails memory below what the controller needs', () => {
    expect(renderAddon(karpenter, { settings: { ...dev.karpenter, memory: '128Mi' } }).errors).toEqual(['clusters/dev.yaml: addons.karpenter.memory: got "128Mi"; allowed: at least 256Mi (the controller is OOM-killed below that)']);
  });

  it('fails a cpu that is no Fargate size, and a log level the controller does not have', () => {
    expect(renderAddon(karpenter, { settings: { ...dev.karpenter, cpu: '750m', logLevel: 'warning' } }).errors).toEqual([
      'clusters/dev.yaml: addons.karpenter.logLevel: got "warning" (string); allowed: one of "debug", "info", "error"',
      'clusters/dev.yaml: addons.karpenter.cpu: got "750m" (string); allowed: one of "250m", "500m", "1", "2", "4"',
    ]);
  });
});
