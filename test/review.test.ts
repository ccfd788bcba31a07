import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { fixtureClusters } from './helpers.ts';
import { renderCluster } from '../src/render.ts';
import { addReviewFiles, indexFiles, type ManifestEntry } from '../src/review.ts';

const clusters = fixtureClusters();
const yaml = (o: unknown) => dump(o, { lineWidth: -1 });

function app(name: string, addon: string, wave: string, extra: Record<string, unknown> = {}) {
  return yaml({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', labels: { 'eks-platform/addon': addon }, annotations: { 'argocd.argoproj.io/sync-wave': wave } },
    spec: { project: 'dev-platform', destination: { server: 'https://kubernetes.default.svc', namespace: addon }, ...extra },
  });
}

function synthetic(): Map<string, string> {
  return new Map([
    ['apps/application_argocd_dev-demo.yaml', app('dev-demo', 'demo', '100', { sources: [{ repoURL: 'https://charts.example.com', chart: 'demo', targetRevision: '1.2.3' }, { repoURL: 'https://github.com/o/r.git', path: 'dist/dev/addons/demo' }] })],
    ['apps/appproject_argocd_dev-platform.yaml', yaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'dev-platform', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } })],
    ['bootstrap/application_argocd_dev-root.yaml', yaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'dev-root', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '0' } }, spec: { source: { path: 'dist/dev/apps' } } })],
    ['bootstrap/configmap_argocd_argocd-cm.yaml', yaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' } })],
    ['addons/demo/clusterissuer_letsencrypt.yaml', yaml({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt', annotations: { 'argocd.argoproj.io/sync-wave': '10' } } })],
    ['addons/demo/service_demo_web.yaml', yaml({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'demo' } })],
  ]);
}

describe('manifest.json', () => {
  it('indexes every rendered file of each example cluster with its sha256', () => {
    expect(clusters.map((c) => c.name)).toEqual(['dev', 'prod']);
    for (const cluster of clusters) {
      const { files } = renderCluster(cluster);
      const manifest = JSON.parse(files.get('manifest.json')!) as { cluster: string; files: ManifestEntry[] };
      expect(manifest.cluster).toBe(cluster.name);
      const indexed = manifest.files.map((e) => e.path);
      expect(indexed).toEqual([...files.keys()].filter((p) => p !== 'README.md' && p !== 'manifest.json'));
      for (const e of manifest.files) expect(e.sha256).toBe(createHash('sha256').update(files.get(e.path)!).digest('hex'));
      const ms = manifest.files.find((e) => e.path === `apps/application_argocd_${cluster.name}-metrics-server.yaml`)!;
      expect(ms).toMatchObject({ application: `${cluster.name}-metrics-server`, wave: 40, kind: 'Application', namespace: 'argocd', name: `${cluster.name}-metrics-server` });
      const project = manifest.files.find((e) => e.kind === 'AppProject' && e.name === `${cluster.name}-platform`)!;
      expect(project).toMatchObject({ application: `${cluster.name}-root`, wave: -1, name: `${cluster.name}-platform` });
      // Only a cluster without a self-managed Argo CD gets the health check as a hand-applied argocd-cm.
      const cm = manifest.files.find((e) => e.path === 'bootstrap/configmap_argocd_argocd-cm.yaml');
      if (cluster.argocd.mode === 'in-cluster') expect(cm).toBeUndefined();
      else expect(cm).toMatchObject({ application: null, wave: null, kind: 'ConfigMap' });
    }
  });

  it('maps add-on files to their Application through addons/<id>/ and the eks-platform/addon label', () => {
    const entries = indexFiles(synthetic());
    expect(entries.find((e) => e.path === 'addons/demo/clusterissuer_letsencrypt.yaml')).toEqual({
      path: 'addons/demo/clusterissuer_letsencrypt.yaml',
      application: 'dev-demo',
      wave: 100,
      resourceWave: 10,
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      namespace: null,
      name: 'letsencrypt',
      sha256: createHash('sha256').update(synthetic().get('addons/demo/clusterissuer_letsencrypt.yaml')!).digest('hex'),
    });
    expect(entries.find((e) => e.path === 'addons/demo/service_demo_web.yaml')).toMatchObject({ application: 'dev-demo', wave: 100, namespace: 'demo' });
    expect(entries.find((e) => e.path === 'addons/demo/service_demo_web.yaml')).not.toHaveProperty('resourceWave');
  });

  it('lists a CloudFormation template as a non-Kubernetes file, and the README mentions it only when present', () => {
    const files = synthetic();
    addReviewFiles('dev', files);
    expect(files.get('README.md')).not.toContain('## AWS bootstrap');
    files.set('aws/cloudformation.json', JSON.stringify({ Resources: { A: { Type: 'AWS::IAM::Role' }, B: { Type: 'AWS::IAM::Role' } } }));
    addReviewFiles('dev', files);
    const entry = (JSON.parse(files.get('manifest.json')!) as { files: ManifestEntry[] }).files.find((e) => e.path === 'aws/cloudformation.json');
    expect(entry).toMatchObject({ application: null, wave: null, apiVersion: null, kind: 'CloudFormationTemplate', namespace: null, name: 'cloudformation' });
    expect(files.get('README.md')).toContain('- `aws/cloudformation.json`: CloudFormation template (2 resources)');
  });
});

describe('README.md', () => {
  it('has the Applications table and a Mermaid graph of the waves', () => {
    const dev = clusters.find((c) => c.name === 'dev')!;
    const readme = renderCluster(dev).files.get('README.md')!;
    expect(readme.startsWith('# Cluster `dev`\n')).toBe(true);
    expect(readme).toContain('| Wave | Application | Chart and version, or path | Namespace | Project |');
    expect(readme).toContain('| -1 | AppProject `dev-platform` | — | argocd | — |');
    expect(readme).toContain('| 40 | `dev-metrics-server` | chart `metrics-server` 3.13.1 (https://kubernetes-sigs.github.io/metrics-server/) | kube-system | dev-platform |');
    expect(readme).toContain('| 50 | `dev-reloader` | chart `reloader` 2.2.16 (https://stakater.github.io/stakater-charts) | reloader | dev-platform |');
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(readme)![1];
    expect(mermaid.startsWith('flowchart LR\n  root(["dev-root (bootstrap)"])\n  subgraph wave_m1 [wave -1]\n')).toBe(true);
    expect(mermaid).toContain('  subgraph wave_40 [wave 40]\n');
    expect(mermaid).toMatch(/n\d+\["dev-metrics-server<br\/>metrics-server 3\.13\.1"\]/);
    expect(mermaid).toMatch(/ {2}root --> wave_m1 --> wave_(\d+)( --> wave_\d+)*\n$/);
    // The chain follows the wave order.
    const chain = /root --> (.*)\n$/.exec(mermaid)![1].split(' --> ').map((w) => Number(w.replace('wave_', '').replace('m', '-')));
    expect(chain).toEqual([...chain].sort((a, b) => a - b));
  });

  it('shows multi-source Applications with both the chart and the path, and is deterministic', () => {
    const a = synthetic();
    const b = new Map([...synthetic()].reverse());
    addReviewFiles('dev', a);
    addReviewFiles('dev', b);
    expect(a.get('README.md')).toBe(b.get('README.md'));
    expect(a.get('manifest.json')).toBe(b.get('manifest.json'));
    expect(a.get('README.md')).toContain('| 100 | `dev-demo` | chart `demo` 1.2.3 (https://charts.example.com)<br>path `dist/dev/addons/demo` | demo | dev-platform |');
    expect(a.get('README.md')).toContain('n1["dev-demo<br/>demo 1.2.3<br/>manifests"]');
    const dev = clusters.find((c) => c.name === 'dev')!;
    expect(renderCluster(dev).files.get('README.md')).toBe(renderCluster(dev).files.get('README.md'));
  });
});
