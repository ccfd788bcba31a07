/**
 * The validator over a fresh synth of the example clusters, and mutation tests: each kind of fault is planted into
 * a copy of the rendered output and must be reported with its file and path. Faults that need objects other
 * add-ons may not render yet (a Deployment, a NodePool) plant whole objects, so these tests never depend on timing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamDir } from '../src/paths.ts';
import { FIXTURE_CONFIG } from './helpers.ts';
import { toYaml } from '../src/manifest-files.ts';
import { synth } from '../src/synth.ts';
import { validateTree } from '../src/validate/engine.ts';
import { formatProblem, type ValidationProblem } from '../src/validate/problems.ts';
import { SchemaRegistry, versionsFor } from '../src/validate/schemas.ts';
import { LocalSource, schemaSourceMissing } from '../src/validate/sources.ts';

const UPSTREAM = upstreamDir();
const MISSING = schemaSourceMissing(UPSTREAM);
const CONFIG = FIXTURE_CONFIG;

let work: string;
let rendered: string;
let registry: SchemaRegistry;

/** A fresh copy of the rendered output; returns its dist folder. */
function copy(): string {
  const dir = mkdtempSync(join(work, 'case-'));
  cpSync(rendered, join(dir, 'dist'), { recursive: true });
  return join(dir, 'dist');
}

async function validate(dist: string): Promise<ValidationProblem[]> {
  const source = new LocalSource(UPSTREAM);
  return (await validateTree({ root: dist, configDir: CONFIG, source, registry, relativeTo: dist })).problems;
}

function edit(file: string, change: (o: Record<string, any>) => void): void {
  const o = load(readFileSync(file, 'utf8')) as Record<string, any>;
  change(o);
  writeFileSync(file, toYaml(o, 'a test'));
}

function plant(dist: string, rel: string, o: Record<string, unknown>): void {
  writeFileSync(join(dist, rel), toYaml(o, 'a test'));
}

/** A Deployment that passes every check, to mutate. */
function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'probe', namespace: 'argocd' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'probe' } },
      template: {
        metadata: { labels: { app: 'probe' } },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'probe',
              image: 'registry.k8s.io/pause:3.10',
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '16Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  };
}

function nodePool(): Record<string, any> {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: 'probe' },
    spec: {
      template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, requirements: [] } },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
    },
  };
}

const at = (problems: ValidationProblem[], file: string, path: string) => problems.filter((p) => p.file === file && p.path === path);

describe.skipIf(MISSING)(`validate rendered output${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'validate-'));
    rendered = join(work, 'rendered');
    await synth({ configDir: CONFIG, outDir: rendered });
    registry = new SchemaRegistry(new LocalSource(UPSTREAM));
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('passes on a fresh synth of both example clusters', async () => {
    const problems = await validate(copy());
    expect(problems.map(formatProblem)).toEqual([]);
  }, 60_000);

  it('reports an unknown field in a Deployment with its file and path', async () => {
    const dist = copy();
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    plant(dist, 'dev/apps/deployment_argocd_probe.yaml', d);
    const hits = at(await validate(dist), 'dev/apps/deployment_argocd_probe.yaml', 'spec.template.spec.containers[0].imagePullPolicyy');
    expect(hits).toHaveLength(1);
    expect(hits[0].check).toBe('schema');
    expect(hits[0].object).toBe('Deployment/argocd/probe');
    expect(hits[0].message).toMatch(/^unknown field \(did you mean "imagePullPolicy"\?\); allowed: .*image/);
    expect(hits[0].message).toContain('(Kubernetes v1.28.0, v1.36.0)');
  }, 60_000);

  it('reports a wrong type in an Application', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-metrics-server.yaml';
    edit(join(dist, file), (o) => (o.spec.revisionHistoryLimit = 'five'));
    const hits = at(await validate(dist), file, 'spec.revisionHistoryLimit');
    expect(hits.map((h) => h.message)).toEqual(['got "five" (string); allowed: integer (CRD applications.argoproj.io)']);
  }, 60_000);

  it('reports a misspelled Helm values key', async () => {
    const dist = copy();
    const file = 'prod/apps/application_argocd_prod-metrics-server.yaml';
    edit(join(dist, file), (o) => (o.spec.source.helm.valuesObject.replicass = 3));
    const hits = at(await validate(dist), file, 'spec.source.helm.valuesObject.replicass');
    expect(hits).toHaveLength(1);
    expect(hits[0].check).toBe('helm');
    expect(hits[0].message).toMatch(/^chart metrics-server 3\.13\.1 has no value replicass \(did you mean "replicas"\?\); allowed: /);
  }, 60_000);

  it('reports a misspelled nested Helm values key and a values.schema.json violation', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-reloader.yaml';
    edit(join(dist, file), (o) => {
      o.spec.source.helm.valuesObject.reloader.deployment.replicaz = 2;
      o.spec.source.helm.valuesObject.reloader.reloadStrategy = 'sometimes';
    });
    const problems = await validate(dist);
    expect(at(problems, file, 'spec.source.helm.valuesObject.reloader.deployment.replicaz')[0].message).toContain('(did you mean "replicas"?)');
    expect(at(problems, file, 'spec.source.helm.valuesObject.reloader.reloadStrategy')[0].message).toBe(
      'got "sometimes"; allowed: default, env-vars, annotations (values.schema.json of reloader 2.2.16)',
    );
  }, 60_000);

  it('reports an invalid enum in a Karpenter NodePool', async () => {
    const dist = copy();
    const np = nodePool();
    np.spec.disruption.consolidationPolicy = 'WhenIdle';
    plant(dist, 'dev/apps/nodepool_probe.yaml', np);
    const hits = at(await validate(dist), 'dev/apps/nodepool_probe.yaml', 'spec.disruption.consolidationPolicy');
    expect(hits).toHaveLength(1);
    expect(hits[0].message).toMatch(/^got "WhenIdle"; allowed: WhenEmpty, WhenEmptyOrUnderutilized.* \(CRD nodepools\.karpenter\.sh\)$/);
  }, 60_000);

  it('reports a cluster-scoped kind missing from the AppProject whitelist', async () => {
    const dist = copy();
    plant(dist, 'dev/addons/idp-roles/priorityclass_probe.yaml', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'probe' }, value: 1000 });
    const hits = at(await validate(dist), 'dev/addons/idp-roles/priorityclass_probe.yaml', 'kind');
    expect(hits).toHaveLength(1);
    expect(hits[0].check).toBe('project');
    expect(hits[0].message).toMatch(/^cluster-scoped PriorityClass \(group "scheduling\.k8s\.io"\) is not on AppProject dev-platform's clusterResourceWhitelist, so dev-idp-roles cannot sync it; allowed: .*Namespace/);
    // The root's project allows no cluster-scoped kind at all.
    plant(dist, 'dev/apps/priorityclass_probe.yaml', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'probe2' }, value: 1000 });
    expect(at(await validate(dist), 'dev/apps/priorityclass_probe.yaml', 'kind')[0].message).toMatch(/^cluster-scoped PriorityClass .* is not on AppProject dev-root's clusterResourceWhitelist, so dev-root cannot sync it/);
  }, 60_000);

  it('reports a namespaced kind the AppProject does not allow', async () => {
    const dist = copy();
    // The root app's project allows only Applications and AppProjects.
    plant(dist, 'dev/apps/configmap_argocd_probe.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: 'argocd' }, data: { a: 'b' } });
    const hits = at(await validate(dist), 'dev/apps/configmap_argocd_probe.yaml', 'kind');
    expect(hits.map((h) => h.message)).toEqual([
      'ConfigMap (group "") is not allowed by AppProject dev-root\'s namespaceResourceWhitelist/Blacklist, so dev-root cannot sync it; allowed: argoproj.io/Application, argoproj.io/AppProject',
    ]);
  }, 60_000);

  it('reports an untagged image and a latest tag', async () => {
    const dist = copy();
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'nginx';
    d.spec.template.spec.containers.push({ ...d.spec.template.spec.containers[0], name: 'second', image: 'nginx:latest' });
    plant(dist, 'dev/apps/deployment_argocd_probe.yaml', d);
    const problems = await validate(dist);
    expect(at(problems, 'dev/apps/deployment_argocd_probe.yaml', 'spec.template.spec.containers[0].image').map((p) => p.message)).toEqual([
      'got "nginx"; allowed: an image pinned by tag (not latest) or digest, e.g. "registry/name:1.2.3"',
    ]);
    expect(at(problems, 'dev/apps/deployment_argocd_probe.yaml', 'spec.template.spec.containers[1].image')).toHaveLength(1);
  }, 60_000);

  it('reports a missing resource limit', async () => {
    const dist = copy();
    const d = deployment();
    delete d.spec.template.spec.containers[0].resources.limits.memory;
    plant(dist, 'dev/apps/deployment_argocd_probe.yaml', d);
    const problems = (await validate(dist)).filter((p) => p.file === 'dev/apps/deployment_argocd_probe.yaml' && p.check === 'baseline');
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'spec.template.spec.containers[0].resources.limits.memory: missing; allowed: a memory limit (every container sets CPU and memory requests and limits)',
    ]);
  }, 60_000);

  it('fails root, privilege escalation and privileged containers', async () => {
    const dist = copy();
    const d = deployment();
    d.spec.template.spec.securityContext = { runAsUser: 0 };
    d.spec.template.spec.containers[0].securityContext = { privileged: true };
    plant(dist, 'dev/apps/deployment_argocd_probe.yaml', d);
    const problems = (await validate(dist)).filter((p) => p.file === 'dev/apps/deployment_argocd_probe.yaml' && p.check === 'baseline');
    const base = 'spec.template.spec.containers[0].securityContext';
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      `${base}.allowPrivilegeEscalation: got nothing; allowed: false (Kubernetes defaults to true)`,
      `${base}.privileged: got true; allowed: false or nothing`,
      `${base}.runAsNonRoot: got nothing; allowed: true (here or in the pod's securityContext)`,
      `${base}.runAsUser: got 0 (root); allowed: a non-zero user id`,
    ]);
  }, 60_000);

  it('fails Applications without a pinned revision, a sync wave or their own project', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-metrics-server.yaml';
    edit(join(dist, file), (o) => {
      o.spec.source.targetRevision = '^3.13.0';
      o.spec.project = 'default';
      delete o.metadata.annotations['argocd.argoproj.io/sync-wave'];
    });
    const root = 'dev/bootstrap/application_argocd_dev-root.yaml';
    edit(join(dist, root), (o) => (o.spec.source.targetRevision = 'HEAD'));
    const problems = (await validate(dist)).filter((p) => p.check === 'baseline');
    expect(at(problems, file, 'spec.source.targetRevision')[0].message).toBe('got "^3.13.0"; allowed: an exact chart version such as "1.2.3" (no ranges, no latest)');
    expect(at(problems, file, 'spec.project')[0].message).toMatch(/^got "default"; allowed: the cluster's own AppProject/);
    expect(at(problems, file, 'metadata.annotations["argocd.argoproj.io/sync-wave"]')[0].message).toBe("got nothing; allowed: an integer as a string, the add-on's sync wave");
    expect(at(problems, root, 'spec.source.targetRevision')[0].message).toBe(`got "HEAD"; allowed: "main", the cluster's gitops.targetRevision (dev's dist/ is read from it)`);
  }, 60_000);

  it('fails a chart version without pinned data, naming it', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-metrics-server.yaml';
    edit(join(dist, file), (o) => (o.spec.source.targetRevision = '3.12.0'));
    // karpenter-crd has no data of its own: it is expected at karpenter's version (from karpenter's Chart.yaml).
    const karpenter = 'dev/apps/application_argocd_dev-karpenter-crds.yaml';
    edit(join(dist, karpenter), (o) => (o.spec.source.targetRevision = '1.13.0'));
    const problems = await validate(dist);
    expect(at(problems, file, 'spec.source.targetRevision').map((p) => p.message)).toEqual([
      'chart metrics-server version "3.12.0" has no pinned values data to check against; allowed: 3.13.1, or pin it with `npm run upstream -- pin metrics-server 3.12.0` ' +
        '(writes upstream/charts/metrics-server/3.12.0/ and records it in upstream/pinned.json; commit both)',
    ]);
    // karpenter-crd is released with karpenter: the data (and the pin) is karpenter's at that version.
    expect(problems.filter((p) => p.file === karpenter).map((p) => p.message)).toEqual([
      expect.stringMatching(/^chart karpenter version "1\.13\.0" has no pinned values data to check against; allowed: 1\.14\.1, or pin it with `npm run upstream -- pin karpenter 1\.13\.0`/),
    ]);
  }, 60_000);

  it('fails an Application whose project, repo or destination the AppProject does not allow', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-metrics-server.yaml';
    edit(join(dist, file), (o) => (o.spec.destination.namespace = 'elsewhere'));
    const problems = (await validate(dist)).filter((p) => p.check === 'project');
    expect(at(problems, file, 'spec.destination')[0].message).toMatch(/^got "https:\/\/kubernetes\.default\.svc\/elsewhere", not a destination of AppProject dev-platform; allowed: /);
  }, 60_000);

  it('fails a Secret with data, an unknown kind and a kind no pinned CRD serves', async () => {
    const dist = copy();
    plant(dist, 'dev/apps/secret_argocd_leak.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'argocd' }, data: { token: 'c2VjcmV0' } });
    plant(dist, 'dev/apps/widget_argocd_w.yaml', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'argocd' } });
    plant(dist, 'dev/apps/nodepool_old.yaml', { ...nodePool(), apiVersion: 'karpenter.sh/v1beta1', metadata: { name: 'old' } });
    const problems = await validate(dist);
    expect(at(problems, 'dev/apps/secret_argocd_leak.yaml', 'data')[0].message).toMatch(/^a Secret with data in dist\/ \(committed to git\)/);
    expect(at(problems, 'dev/apps/widget_argocd_w.yaml', 'kind')[0].message).toMatch(/^no pinned CRD defines Widget in group example\.com; allowed: a kind with a pinned schema/);
    expect(at(problems, 'dev/apps/nodepool_old.yaml', 'kind')[0].message).toMatch(/^NodePool karpenter\.sh\/v1beta1 is not served by the pinned CRD crds\/karpenter\/karpenter\.sh_nodepools\.yaml; allowed: karpenter\.sh\/v1/);
  }, 60_000);

  it('reads YAML and the JSON Argo CD syncs, skips manifest.json and the aws/ and bootstrap/ templates, and reports malformed files', async () => {
    const dist = copy();
    writeFileSync(join(dist, 'dev', 'manifest.json'), '{ not json');
    writeFileSync(join(dist, 'dev', 'aws', 'x.json'), '{ not json');
    writeFileSync(join(dist, 'dev', 'bootstrap', 'x.json'), '{ not json');
    writeFileSync(join(dist, 'dev', 'apps', 'broken.yaml'), 'kind: [\n');
    writeFileSync(join(dist, 'dev', 'apps', 'broken.json'), '{ not json');
    const problems = await validate(dist);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^dev\/apps\/broken\.json: \(file\): \(file\): malformed JSON: .*; allowed: one Kubernetes object as JSON$/),
      expect.stringMatching(/^dev\/apps\/broken\.yaml: \(file\): \(file\): malformed YAML at line \d+, column \d+: /),
    ]);
  }, 60_000);

  it('fails an invalid object in a JSON file under apps/ or addons/', async () => {
    const dist = copy();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j', namespace: 'argocd' }, dataa: {} };
    writeFileSync(join(dist, 'dev', 'apps', 'configmap_argocd_j.json'), JSON.stringify(cm));
    writeFileSync(join(dist, 'dev', 'addons', 'cert-manager', 'configmap_cert-manager_j.json'), JSON.stringify({ ...cm, metadata: { name: 'j', namespace: 'cert-manager' } }));
    const problems = await validate(dist);
    expect(at(problems, 'dev/apps/configmap_argocd_j.json', 'dataa').map((p) => p.message)).toEqual([expect.stringMatching(/^unknown field \(did you mean "data"\?\)/)]);
    expect(at(problems, 'dev/addons/cert-manager/configmap_cert-manager_j.json', 'dataa')).toHaveLength(1);
  }, 60_000);

  it('fails an object without metadata.name', async () => {
    const dist = copy();
    plant(dist, 'dev/apps/configmap_argocd_anon.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'argocd', generateName: 'x-' } });
    const hits = at(await validate(dist), 'dev/apps/configmap_argocd_anon.yaml', 'metadata.name');
    expect(hits.map((h) => `${h.check}: ${h.object}: ${h.message}`)).toEqual([
      'schema: ConfigMap/argocd/(no name): got nothing; allowed: a non-empty name (Argo CD applies and tracks objects by name; generateName is not supported)',
    ]);
  }, 60_000);

  it('fails the second copy of an object in one cluster, naming both files', async () => {
    const dist = copy();
    const d = deployment();
    plant(dist, 'dev/apps/deployment_argocd_probe.yaml', d);
    plant(dist, 'dev/apps/deployment_argocd_probe-again.yaml', d);
    // Another cluster may hold the same object.
    plant(dist, 'prod/apps/deployment_argocd_probe.yaml', d);
    const problems = (await validate(dist)).filter((p) => p.check === 'duplicate');
    expect(problems.map(formatProblem)).toEqual([
      'dev/apps/deployment_argocd_probe.yaml: Deployment/argocd/probe: metadata.name: the same object (group "apps", kind Deployment, namespace "argocd", name "probe") is also in dev/apps/deployment_argocd_probe-again.yaml; allowed: each object once per cluster (Argo CD would apply one over the other)',
    ]);
  }, 60_000);

  it('fails a built-in kind no pinned Kubernetes version has once, naming every version', async () => {
    const dist = copy();
    plant(dist, 'dev/apps/gadget_argocd_g.yaml', { apiVersion: 'v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'argocd' } });
    const hits = at(await validate(dist), 'dev/apps/gadget_argocd_g.yaml', 'kind').filter((p) => p.check === 'schema');
    expect(hits.map((h) => h.message)).toEqual([
      'Kubernetes has no Gadget in v1; allowed: a kind with a pinned schema (an object without a schema is not trusted) (Kubernetes v1.28.0, v1.36.0)',
    ]);
  }, 60_000);

  it('fails a typo inside a Kubernetes-typed Helm values block, and accepts the chart\'s own keys there', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-cert-manager.yaml';
    edit(join(dist, file), (o) => {
      const v = o.spec.sources[0].helm.valuesObject;
      v.containerSecurityContext.runAsNonRot = true;
      v.webhook.resources.limitz = {};
      v.affinity = { nodeAffinity: { requiredDuringScheduling: {} } };
      v.topologySpreadConstraints[0].maxSkeww = 1;
      // The chart's own probe settings: `enabled` is the chart's, the rest is a Probe.
      v.livenessProbe = { enabled: true, periodSeconds: 10 };
    });
    const problems = (await validate(dist)).filter((p) => p.file === file);
    const base = 'spec.sources[0].helm.valuesObject';
    expect(problems.map((p) => `${p.check}: ${p.path}: ${p.message.replace(/; allowed: .*? \(/, '; allowed: … (')}`)).toEqual([
      `helm: ${base}.affinity.nodeAffinity.requiredDuringScheduling: unknown field; allowed: … (Affinity of Kubernetes v1.28.0, v1.36.0; chart cert-manager passes it into its pods)`,
      `helm: ${base}.containerSecurityContext.runAsNonRot: unknown field (did you mean "runAsNonRoot"?); allowed: … (SecurityContext of Kubernetes v1.28.0, v1.36.0; chart cert-manager passes it into its pods)`,
      `helm: ${base}.topologySpreadConstraints[0].maxSkeww: unknown field (did you mean "maxSkew"?); allowed: … (TopologySpreadConstraint of Kubernetes v1.28.0, v1.36.0; chart cert-manager passes it into its pods)`,
      `helm: ${base}.webhook.resources.limitz: unknown field (did you mean "limits"?); allowed: … (ResourceRequirements of Kubernetes v1.28.0, v1.36.0; chart cert-manager passes it into its pods)`,
    ]);
  }, 60_000);

  it('fails a wrong type in a chart\'s plain securityContext (pod or container), and a typo in a chart key inside a typed block', async () => {
    const dist = copy();
    const file = 'dev/apps/application_argocd_dev-efs-controller.yaml';
    edit(join(dist, file), (o) => {
      const v = o.spec.sources[0].helm.valuesObject;
      // sidecars.livenessProbe is the chart's sidecar settings (image, resources), not a Probe.
      v.sidecars.livenessProbe.resources.requestz = {};
      v.controller.containerSecurityContext.privileged = 'no';
    });
    const problems = (await validate(dist)).filter((p) => p.file === file);
    const base = 'spec.sources[0].helm.valuesObject';
    expect(problems.map((p) => `${p.path}: ${p.message.replace(/^(unknown field.*); allowed: .*? \(/, '$1; allowed: … (')}`)).toEqual([
      `${base}.controller.containerSecurityContext.privileged: got "no" (string); allowed: boolean (SecurityContext of Kubernetes v1.28.0, v1.36.0; chart aws-efs-csi-driver passes it into its pods)`,
      `${base}.sidecars.livenessProbe.resources.requestz: unknown field (did you mean "requests"?); allowed: … (ResourceRequirements of Kubernetes v1.28.0, v1.36.0; chart aws-efs-csi-driver passes it into its pods)`,
    ]);
  }, 60_000);
});

describe('versionsFor', () => {
  it('checks a cluster version between two pinned ones against both, an exact one against itself', () => {
    expect(versionsFor('1.33', ['v1.28.0', 'v1.36.0'])).toEqual(['v1.28.0', 'v1.36.0']);
    expect(versionsFor('1.28', ['v1.28.0', 'v1.36.0'])).toEqual(['v1.28.0']);
    expect(versionsFor('1.36', ['v1.28.0', 'v1.36.0'])).toEqual(['v1.36.0']);
    expect(versionsFor(undefined, ['v1.28.0', 'v1.36.0'])).toEqual(['v1.28.0', 'v1.36.0']);
  });
});
