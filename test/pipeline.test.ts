import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiObject } from 'cdk8s';
import { defineAddon, WAVES } from '../charts/addon.ts';
import { ADDONS } from '../charts/registry.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { SERVICE_ACCOUNTS } from '../config/naming.ts';
import { listFiles, writeDist } from '../src/dist.ts';
import { renderCluster } from '../src/render.ts';
import { synth } from '../src/synth.ts';
import { editCluster, FIXTURE_CONFIG, exampleCluster, parse, projectCopy, render, tempConfig, tempDir, writeCluster } from './helpers.ts';

const DOCUMENTED_ORDER = [
  'karpenter',
  'karpenter-node-pools',
  'idp-roles',
  'metrics-server',
  'reloader',
  'cert-manager',
  'alb-controller',
  'alb-ingress-group',
  'external-dns',
  'echo-server',
  'efs-controller',
  'external-secrets-operator',
];

/** sha256 of every file under a folder, by relative path. */
function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

const LAUNCHER = join(PROJECT_ROOT, 'bin', 'platform.mjs');

/** tsx's loader by absolute URL, so the CLI runs from any working directory. */
const TSX = pathToFileURL(join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

const wave = (app: Record<string, any>) => Number(app.metadata.annotations['argocd.argoproj.io/sync-wave']);

describe('sync waves', () => {
  it('has one fixed, strictly increasing wave per documented position', () => {
    expect(Object.keys(WAVES)).toEqual(DOCUMENTED_ORDER);
    const waves = Object.values(WAVES);
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
    expect(new Set(waves).size).toBe(waves.length);
  });

  it('registers each built add-on once, in the documented order', () => {
    const ids = ADDONS.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(DOCUMENTED_ORDER.filter((id) => ids.includes(id as never)));
  });

  it.each(['dev', 'prod'])('renders %s Applications whose waves follow the documented order', (name) => {
    const rendered = render(name);
    const apps = [...rendered.files.keys()]
      .filter((f) => f.startsWith('apps/application_'))
      .map((f) => parse(rendered, f))
      // The add-ons; a self-managed Argo CD (no add-on label) syncs before them all.
      .filter((a) => a.metadata.labels['eks-platform/addon'])
      .sort((a, b) => wave(a) - wave(b));
    // An add-on's CRD Application (karpenter's) carries its label and syncs just before it.
    expect([...new Set(apps.map((a) => a.metadata.labels['eks-platform/addon']))]).toEqual(DOCUMENTED_ORDER.filter((id) => ADDONS.some((a) => a.id === id)));
    expect(apps.map((a) => a.metadata.name)).toContain(`${name}-metrics-server`);
    expect(wave(apps.find((a) => a.metadata.name === `${name}-metrics-server`)!)).toBeLessThan(
      wave(apps.find((a) => a.metadata.name === `${name}-reloader`)!),
    );
  });
});

describe('Argo CD layer', () => {
  const dev = render('dev');
  const prod = render('prod');

  it('renders the AppProject and the root app per cluster; the argocd-cm health check only without a self-managed Argo CD', () => {
    for (const [name, r] of [['dev', dev], ['prod', prod]] as const) {
      expect(r.files.has(`apps/appproject_argocd_${name}-platform.yaml`)).toBe(true);
      expect(r.files.has(`apps/appproject_argocd_${name}-root.yaml`)).toBe(true);
      expect(r.files.has(`bootstrap/application_argocd_${name}-root.yaml`)).toBe(true);
    }
    // dev (in-cluster): the check travels in its Argo CD's Helm values (test/argocd-app.test.ts).
    expect(dev.files.has('bootstrap/configmap_argocd_argocd-cm.yaml')).toBe(false);
    const cm = parse(prod, 'bootstrap/configmap_argocd_argocd-cm.yaml');
    expect(cm.data['resource.customizations.health.argoproj.io_Application']).toContain('hs.status = "Healthy"');
  });

  it('gives every child Application an explicit project, the finalizer, automated sync and retry', () => {
    const app = parse(dev, 'apps/application_argocd_dev-reloader.yaml');
    expect(app.spec.project).toBe('dev-platform');
    expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'reloader' });
  });

  it('points a management-cluster Application at the cluster endpoint fact', () => {
    const app = parse(prod, 'apps/application_argocd_prod-metrics-server.yaml');
    expect(app.spec.destination).toEqual({
      server: 'https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com',
      namespace: 'kube-system',
    });
    const root = parse(prod, 'bootstrap/application_argocd_prod-root.yaml');
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(root.spec.source).toEqual({ repoURL: 'https://github.com/example-org/platform-gitops.git', targetRevision: 'release', path: 'dist/prod/apps' });
  });

  it('keeps the add-ons project to exactly the repos, namespaces and cluster kinds used', () => {
    const project = parse(dev, 'apps/appproject_argocd_dev-platform.yaml');
    const applications = [...dev.files.keys()].filter((f) => f.startsWith('apps/application_')).map((f) => parse(dev, f)).filter((a) => a.spec.project === 'dev-platform');
    const repos = new Set(applications.flatMap((a) => [a.spec.source, ...(a.spec.sources ?? [])].filter(Boolean).map((s) => s.repoURL)));
    expect(new Set(project.spec.sourceRepos)).toEqual(repos);
    expect(project.spec.sourceRepos).toContain('https://github.com/example-org/platform-gitops.git');
    // Destination namespaces: each add-on's own, those its objects use, and those its chart declares; nothing else.
    const objects = [...dev.files.keys()].filter((f) => f.startsWith('addons/') && f.endsWith('.yaml')).map((f) => parse(dev, f));
    const expected = new Set([
      ...ADDONS.flatMap((a) => [a.namespace, ...(a.extraNamespaces ?? [])]),
      ...objects.map((o) => o.metadata.namespace).filter(Boolean),
    ]);
    expect(new Set(project.spec.destinations.map((d: { namespace: string }) => d.namespace))).toEqual(expected);
    expect(expected.has('argocd')).toBe(false);
    for (const d of project.spec.destinations) expect(d.server).toBe('https://kubernetes.default.svc');
    // Cluster kinds: Namespace (CreateNamespace), those rendered, those the charts declare.
    const kinds = new Set([
      '/Namespace',
      ...objects.filter((o) => !o.metadata.namespace).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`),
      ...ADDONS.flatMap((a) => a.chartClusterKinds ?? []).map((k) => `${k.group}/${k.kind}`),
    ]);
    expect(new Set(project.spec.clusterResourceWhitelist.map((k: { group: string; kind: string }) => `${k.group}/${k.kind}`))).toEqual(kinds);
  });

  it('lets the root app write only Applications and AppProjects into Argo CD\'s namespace', () => {
    const project = parse(prod, 'apps/appproject_argocd_prod-root.yaml');
    expect(project.spec).toMatchObject({
      sourceRepos: ['https://github.com/example-org/platform-gitops.git'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
      ],
    });
    expect(parse(prod, 'bootstrap/application_argocd_prod-root.yaml').spec.project).toBe('prod-root');
    const appKinds = new Set([...prod.files.keys()].filter((f) => f.startsWith('apps/')).map((f) => parse(prod, f).kind));
    expect(appKinds).toEqual(new Set(['Application', 'AppProject']));
  });
});

describe('first add-ons', () => {
  it('renders metrics-server in kube-system with the pinned chart and production values', () => {
    const app = parse(render('prod'), 'apps/application_argocd_prod-metrics-server.yaml');
    expect(app.spec.destination.namespace).toBe('kube-system');
    expect(app.spec.source).toMatchObject({
      repoURL: 'https://kubernetes-sigs.github.io/metrics-server/',
      chart: 'metrics-server',
      targetRevision: '3.13.1',
      helm: { releaseName: 'metrics-server' },
    });
    const values = app.spec.source.helm.valuesObject;
    expect(values.replicas).toBe(3);
    expect(values.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    // prod's values override is deep-merged: the user's memory wins, the cpu request stays.
    expect(values.resources).toEqual({ requests: { cpu: '100m', memory: '300Mi' }, limits: { cpu: '1', memory: '300Mi' } });
  });

  it('turns the metrics-server PodDisruptionBudget off with a single replica', () => {
    const values = parse(render('dev'), 'apps/application_argocd_dev-metrics-server.yaml').spec.source.helm.valuesObject;
    expect(values.replicas).toBe(1);
    expect(values.podDisruptionBudget.enabled).toBe(false);
  });

  it('renders Reloader in its namespace with HA, a PDB and a hardened container', () => {
    const app = parse(render('prod'), 'apps/application_argocd_prod-reloader.yaml');
    expect(app.spec.destination.namespace).toBe('reloader');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://stakater.github.io/stakater-charts', chart: 'reloader', targetRevision: '2.2.16' });
    const values = app.spec.source.helm.valuesObject;
    expect(values.fullnameOverride).toBe('reloader');
    expect(values.reloader).toMatchObject({
      enableHA: true,
      readOnlyRootFileSystem: true,
      deployment: { replicas: 2, containerSecurityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true } },
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    });
    expect(values.reloader.deployment.resources.limits).toEqual({ cpu: '200m', memory: '256Mi' });
  });

  it('uses a chart version override from config', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.version = '2.2.15'));
    expect(parse(render('dev', dir), 'apps/application_argocd_dev-reloader.yaml').spec.source.targetRevision).toBe('2.2.15');
  });
});

describe('dist/', () => {
  it('is byte-identical whatever the working directory, time zone, locale or launcher', () => {
    const a = tempDir();
    const b = tempDir();
    const cli = join(PROJECT_ROOT, 'src', 'cli.ts');
    const run = (args: string[], cwd: string, env: Record<string, string>) =>
      execFileSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
    // Once through the npm scripts' launcher (cached bundle), once from the sources through tsx, elsewhere.
    run([LAUNCHER, 'synth', '--config', FIXTURE_CONFIG, '--out', a], PROJECT_ROOT, { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
    run(['--import', TSX, cli, 'synth', '--config', FIXTURE_CONFIG, '--out', b], tempDir(), { TZ: 'Asia/Kolkata', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
    expect(snapshotDir(b)).toEqual(snapshotDir(a));
    expect(Object.keys(snapshotDir(a)).length).toBeGreaterThan(8);
  });

  it('names files by kind, namespace and name, without hashes', async () => {
    const out = tempDir();
    await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    for (const file of listFiles(out)) {
      if (!file.endsWith('.yaml')) continue;
      const doc = parse({ name: '', files: new Map([[file, readFileSync(join(out, file), 'utf8')]]), applications: 0, objects: 0 }, file);
      const base = file.split('/').pop()!;
      const expected = doc.metadata.namespace
        ? `${doc.kind.toLowerCase()}_${doc.metadata.namespace}_${doc.metadata.name}.yaml`
        : `${doc.kind.toLowerCase()}_${doc.metadata.name}.yaml`;
      expect(base).toBe(expected);
    }
  });

  it('leaves dist/ exactly as it was when the config is broken', async () => {
    const dir = tempConfig();
    const out = tempDir();
    await synth({ configDir: dir, outDir: out });
    const before = snapshotDir(out);
    editCluster(dir, 'dev', (d) => (d.addons.reloader.enabled = false));
    writeCluster(dir, 'prod', 'name: prod\nnetwork: [broken\n');
    await expect(synth({ configDir: dir, outDir: out })).rejects.toThrow(/clusters\/prod\.yaml: \(file\): malformed YAML/);
    expect(snapshotDir(out)).toEqual(before);
  });

  it('leaves dist/ exactly as it was when writing fails half-way', async () => {
    const out = tempDir();
    await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    const before = snapshotDir(out);
    // dev really changes (so it is staged before prod fails), prod cannot be written.
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.replicas = 2));
    const changed = render('dev', dir);
    const broken = { ...render('prod'), files: new Map([['apps/ok.yaml', 'a: 1\n'], ['apps/bad\0name.yaml', 'b: 2\n']]) };
    await expect(writeDist(out, [changed, broken])).rejects.toThrow();
    expect(snapshotDir(out)).toEqual(before);
    expect(listFiles(out).some((f) => f.startsWith('.staging'))).toBe(false);
  });

  it('fails a mistyped option before anything is rendered or written', () => {
    const out = join(tempDir(), 'out');
    const r = spawnSync(process.execPath, [LAUNCHER, 'synth', '--config', FIXTURE_CONFIG, '--out', out, '--clustr', 'dev'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown argument: clustr');
    expect(existsSync(out)).toBe(false);
  });

  it('rebuilds a missing CLI bundle instead of falling back to the sources for good', () => {
    // A copy of the project's code, so deleting its bundle cannot slow down or change the launcher runs of other
    // test files running at the same time (they would fall back to the sources meanwhile).
    const root = projectCopy();
    const launcher = join(root, 'bin', 'platform.mjs');
    const run = () => spawnSync(process.execPath, [launcher, 'synth', '--config', FIXTURE_CONFIG, '--out', tempDir()], { cwd: root, encoding: 'utf8', env: { ...process.env, DEBUG: '1' } });
    expect(run().status).toBe(0);
    const cache = join(root, '.cache', 'cli');
    const { bundle } = JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as { bundle: string };
    rmSync(join(cache, bundle));
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('using the sources');
    expect(existsSync(join(cache, bundle))).toBe(true);
  });

  it('removes staging leftovers of a run that was killed half-way', async () => {
    const out = tempDir();
    mkdirSync(join(out, '.staging-dev-1-2-old', 'apps'), { recursive: true });
    await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    expect(readdirSync(out).filter((e) => e.startsWith('.'))).toEqual(['.eks-platform']);
  });

  it('removes the files of a disabled add-on and reports them', async () => {
    const dir = tempConfig();
    const out = tempDir();
    await synth({ configDir: dir, outDir: out });
    expect(existsSync(join(out, 'dev/apps/application_argocd_dev-reloader.yaml'))).toBe(true);
    editCluster(dir, 'dev', (d) => (d.addons.reloader = { enabled: false }));
    const result = await synth({ configDir: dir, outDir: out });
    expect(existsSync(join(out, 'dev/apps/application_argocd_dev-reloader.yaml'))).toBe(false);
    const dev = result.clusters.find((c) => c.name === 'dev')!;
    expect(dev.write.removed).toBe(1);
    // The AppProject loses the reloader namespace and chart repo; README.md and manifest.json lose the Application.
    expect(dev.write.written).toBe(3);
  });

  it('removes the folder of a cluster deleted from config, but only on a full synth', async () => {
    const dir = tempConfig();
    const out = tempDir();
    await synth({ configDir: dir, outDir: out });
    // prod is the only fleet member: without it, fleet mode (config/fleet.yaml) has to go too.
    rmSync(join(dir, 'clusters', 'prod.yaml'));
    rmSync(join(dir, 'fleet.yaml'));
    await synth({ configDir: dir, outDir: out, clusters: ['dev'] });
    expect(existsSync(join(out, 'prod'))).toBe(true);
    const result = await synth({ configDir: dir, outDir: out });
    expect(existsSync(join(out, 'prod'))).toBe(false);
    expect(result.prunedClusters.map((p) => p.name)).toEqual(['prod']);
    expect(existsSync(join(out, '_fleet'))).toBe(false);
  });

  it('reports unchanged files on a re-run', async () => {
    const out = tempDir();
    await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    const again = await synth({ configDir: FIXTURE_CONFIG, outDir: out });
    for (const c of again.clusters) expect(c.write).toMatchObject({ written: 0, removed: 0, unchanged: listFiles(join(out, c.name)).length });
  });

  it('fails a render error with the cluster and object named', () => {
    const cluster = exampleCluster('dev');
    const broken = defineAddon({
      ...ADDONS.find((a) => a.id === 'reloader')!,
      manifests: (scope) => void new ApiObject(scope, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } }),
    });
    expect(() => renderCluster(cluster, { addons: [broken] })).toThrow('cluster dev: addons/reloader: ConfigMap settings needs an explicit metadata.namespace');
    const scoped = defineAddon({
      ...broken,
      manifests: (scope) => void new ApiObject(scope, 'sc', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'efs', namespace: 'x' } }),
    });
    expect(() => renderCluster(cluster, { addons: [scoped] })).toThrow('cluster dev: addons/reloader: StorageClass efs is cluster-scoped but has namespace x');
  });
});

describe('IRSA wiring', () => {
  const controllers = { karpenter: 'karpenter', 'alb-controller': 'alb-controller', 'cert-manager': 'cert-manager', 'external-dns': 'external-dns', 'efs-controller': 'efs-csi', 'external-secrets-operator': 'external-secrets' } as const;
  const serviceAccountOf = (values: Record<string, any>, addon: string) => (addon === 'efs-controller' ? values.controller.serviceAccount : values.serviceAccount);
  const valuesOf = (rendered: ReturnType<typeof render>, addon: string) => {
    const spec = parse(rendered, `apps/application_argocd_dev-${addon}.yaml`).spec;
    return [spec.source, ...(spec.sources ?? [])].find((s) => s?.helm?.valuesObject).helm.valuesObject;
  };

  it('gives every controller the service account and role the bootstrap trusts', () => {
    const rendered = render('dev');
    for (const [addon, controller] of Object.entries(controllers)) {
      const sa = serviceAccountOf(valuesOf(rendered, addon), addon);
      expect(sa, addon).toEqual({ create: true, name: SERVICE_ACCOUNTS[controller].name, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::111111111111:role/dev-${controller}` } });
      expect(parse(rendered, `apps/application_argocd_dev-${addon}.yaml`).spec.destination.namespace).toBe(SERVICE_ACCOUNTS[controller].namespace);
    }
  });

  it('uses a role ARN from the facts for every controller', () => {
    const dir = tempConfig();
    const arns = Object.values(controllers).map((c) => `  ${c}: arn:aws:iam::111111111111:role/custom-${c}`);
    writeFileSync(join(dir, 'facts', 'dev.yaml'), `${readFileSync(join(dir, 'facts', 'dev.yaml'), 'utf8')}roleArns:\n${arns.join('\n')}\n`);
    const rendered = render('dev', dir);
    for (const [addon, controller] of Object.entries(controllers)) {
      expect(serviceAccountOf(valuesOf(rendered, addon), addon).annotations['eks.amazonaws.com/role-arn'], addon).toBe(`arn:aws:iam::111111111111:role/custom-${controller}`);
    }
  });

  it('fails a values override that renames a controller service account', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons['efs-controller'] = { ...d.addons['efs-controller'], values: { controller: { serviceAccount: { name: 'efs' } } } }));
    expect(() => render('dev', dir)).toThrow(
      'cluster dev: clusters/dev.yaml: addons.efs-controller.values.controller.serviceAccount.name: got "efs"; allowed: "efs-csi-controller-sa", the service account the efs-csi IAM role trusts',
    );
  });

  it('fails a values override that stops the chart creating the service account or drops its role', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons['external-dns'] = { ...d.addons['external-dns'], values: { serviceAccount: { create: false } } }));
    expect(() => render('dev', dir)).toThrow('addons.external-dns.values.serviceAccount.create: got false; allowed: true: the chart must create the annotated service account');
    editCluster(dir, 'dev', (d) => (d.addons['external-dns'].values = { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/other' } } }));
    expect(() => render('dev', dir)).toThrow(
      'addons.external-dns.values.serviceAccount.annotations.eks.amazonaws.com/role-arn: got "arn:aws:iam::111111111111:role/other"; allowed: "arn:aws:iam::111111111111:role/dev-external-dns"',
    );
  });
});

describe('examples', () => {
  it.each(['dev', 'prod'])('%s matches its snapshot', (name) => {
    expect(Object.fromEntries(render(name).files)).toMatchSnapshot();
  });
});
