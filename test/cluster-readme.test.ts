/** dist/<cluster>/README.md leads with the facts a reviewer needs, then the wave table and graph (fixture inputs only). */
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { addReviewFiles, type ClusterSummary } from '../src/review.ts';

const yaml = (o: unknown) => dump(o, { lineWidth: -1 });
const wave = (w: string) => ({ 'argocd.argoproj.io/sync-wave': w });

const SUMMARY: ClusterSummary = {
  name: 'staging',
  environment: 'staging',
  aws: { accountId: '333333333333', region: 'eu-central-1' },
  kubernetesVersion: '1.33',
  argocd: { mode: 'in-cluster', namespace: 'argocd', roleArn: undefined, roleTrustedBy: [], capability: undefined, ha: undefined, values: {} },
  dns: { domain: 'staging.example.com', hostedZoneId: 'Z0STAGING1234567890' },
};

/** A small rendered cluster: root Application, AppProject, a chart add-on with manifests, a manifests-only add-on. */
function files(): Map<string, string> {
  const app = (name: string, addon: string, w: string, source: Record<string, unknown>) =>
    yaml({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'argocd', labels: { 'eks-platform/addon': addon }, annotations: wave(w) },
      spec: { project: 'staging-platform', destination: { server: 'https://kubernetes.default.svc', namespace: addon }, ...source },
    });
  return new Map([
    ['bootstrap/application_argocd_staging-root.yaml', yaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'staging-root', namespace: 'argocd', annotations: wave('0') }, spec: { source: { path: 'dist/staging/apps' } } })],
    ['apps/appproject_argocd_staging-platform.yaml', yaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'staging-platform', namespace: 'argocd', annotations: wave('-1') } })],
    ['apps/application_argocd_staging-karpenter.yaml', app('staging-karpenter', 'karpenter', '10', { source: { repoURL: 'oci://public.ecr.aws/karpenter/karpenter', targetRevision: '1.14.1' } })],
    [
      'apps/application_argocd_staging-cert-manager.yaml',
      app('staging-cert-manager', 'cert-manager', '60', { sources: [{ repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', targetRevision: 'v1.21.1' }, { repoURL: 'https://github.com/o/r.git', path: 'dist/staging/addons/cert-manager' }] }),
    ],
    ['addons/cert-manager/clusterissuer_letsencrypt.yaml', yaml({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt', annotations: wave('10') } })],
    ['aws/cloudformation.json', JSON.stringify({ Resources: { Cluster: { Type: 'AWS::EKS::Cluster' } } })],
  ]);
}

function readme(summary: ClusterSummary, extra: [string, string][] = []): string {
  const f = files();
  for (const [k, v] of extra) f.set(k, v);
  addReviewFiles(summary, f);
  return f.get('README.md')!;
}

describe('cluster README', () => {
  it('leads with environment, account, region, Kubernetes version, Argo CD mode and domain, then waves and graph', () => {
    expect(readme(SUMMARY)).toMatchSnapshot();
  });

  it('in-cluster: the gitops command applies the root Application', () => {
    const text = readme(SUMMARY);
    expect(text).toContain('`npm run bootstrap -- gitops --cluster staging` installs it and applies the root Application `staging-root`');
    expect(text).not.toContain('by hand');
  });

  it('a fleet member: the management ApplicationSet creates the root Application, never "by hand"', () => {
    const member = { ...SUMMARY, argocd: { ...SUMMARY.argocd, mode: 'management' as const } };
    const text = readme(member, [['bootstrap/argocd-cluster-secret.json', '{}']]);
    expect(text).toContain('| Argo CD mode | management (fleet member: the management cluster\'s Argo CD) |');
    expect(text).toContain('Its ApplicationSet (`dist/_fleet/`) creates the root Application `staging-root`');
    expect(text).not.toContain('by hand');
    expect(text).not.toContain('npm run bootstrap -- gitops');
  });
});
