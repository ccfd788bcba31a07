/**
 * Issue 14 (CRDs): the diff warns when a change deletes a CustomResourceDefinition, or removes the last Application
 * serving an API group (its controller or its CRDs), while custom resources of it remain in the rendered output or go
 * in the same change. Fixture before/after trees: disabling Karpenter while node pools exist, removing ESO while
 * ExternalSecrets exist.
 */
import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { compareTrees, type DiffReport } from '../src/diff/engine.ts';
import { formatText } from '../src/diff/format.ts';

type Obj = Record<string, unknown>;

function application(name: string, addon: string, sources: Obj[]): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', labels: { 'eks-platform/addon': addon }, annotations: { 'argocd.argoproj.io/sync-wave': '10' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: { project: 'dev-platform', destination: { server: 'https://kubernetes.default.svc', namespace: addon }, sources, syncPolicy: { automated: { prune: true } } },
  };
}
const oci = (repo: string) => ({ repoURL: `oci://public.ecr.aws/karpenter/${repo}`, path: '.', targetRevision: '1.14.1' });
const chart = (c: string) => ({ repoURL: `https://charts.example.com/${c}`, chart: c, targetRevision: '2.9.0' });
const folder = (addon: string) => ({ repoURL: 'https://github.com/example-org/platform-gitops.git', path: `dist/dev/addons/${addon}`, targetRevision: 'main' });
const cr = (apiVersion: string, kind: string, name: string, namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec: {} });

function cluster(): Map<string, Obj> {
  return new Map<string, Obj>([
    ['apps/application_argocd_dev-karpenter.yaml', application('dev-karpenter', 'karpenter', [oci('karpenter'), oci('karpenter-crd')])],
    ['apps/application_argocd_dev-karpenter-node-pools.yaml', application('dev-karpenter-node-pools', 'karpenter-node-pools', [folder('karpenter-node-pools')])],
    ['addons/karpenter-node-pools/nodepool_general.yaml', cr('karpenter.sh/v1', 'NodePool', 'general')],
    ['addons/karpenter-node-pools/ec2nodeclass_default.yaml', cr('karpenter.k8s.aws/v1', 'EC2NodeClass', 'default')],
    ['apps/application_argocd_dev-external-secrets-operator.yaml', application('dev-external-secrets-operator', 'external-secrets-operator', [chart('external-secrets'), folder('external-secrets-operator')])],
    ['addons/external-secrets-operator/clustersecretstore_ssm.yaml', cr('external-secrets.io/v1', 'ClusterSecretStore', 'ssm')],
    ['apps/application_argocd_dev-echo-server.yaml', application('dev-echo-server', 'echo-server', [folder('echo-server')])],
    ['addons/echo-server/externalsecret_echo-server_config.yaml', cr('external-secrets.io/v1', 'ExternalSecret', 'config', 'echo-server')],
    ['apps/application_argocd_dev-widgets.yaml', application('dev-widgets', 'widgets', [folder('widgets')])],
    ['addons/widgets/customresourcedefinition_widgets.example.com.yaml', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' } }],
    ['apps/application_argocd_dev-widget-users.yaml', application('dev-widget-users', 'widget-users', [folder('widget-users')])],
    ['addons/widget-users/widget_demo_w1.yaml', cr('example.com/v1', 'Widget', 'w1', 'demo')],
  ]);
}

const yaml = (o: unknown) => dump(o, { lineWidth: -1, noRefs: true });
function compare(edit: (m: Map<string, Obj>) => void, both: (m: Map<string, Obj>) => void = () => {}): DiffReport {
  const base = cluster();
  both(base);
  const head = new Map([...base].map(([p, o]) => [p, structuredClone(o)]));
  edit(head);
  const tree = (m: Map<string, Obj>) => new Map([['dev', new Map([...m].map(([p, o]) => [p, yaml(o)]))]]);
  return compareTrees(tree(base), tree(head));
}
const removeAddon = (m: Map<string, Obj>, addon: string) => {
  for (const p of [...m.keys()]) if (p === `apps/application_argocd_dev-${addon}.yaml` || p.startsWith(`addons/${addon}/`)) m.delete(p);
};
const controllerWarnings = (r: DiffReport) => r.warnings.filter((w) => w.kind === 'controller-removed').map((w) => `${w.group}: ${w.message}`);

describe('diff warnings for custom resources left without their CRD or controller', () => {
  it('disabling Karpenter while node pools exist warns, naming the node pools and the orphaned instances', () => {
    const r = compare((m) => removeAddon(m, 'karpenter'));
    expect(controllerWarnings(r)).toEqual([
      'dev-karpenter: dev-karpenter was the last to serve karpenter.k8s.aws (controller or CRDs), and 1 custom resource of it remains: EC2NodeClass default (dev-karpenter-node-pools); without the controller their finalizers never run, and deleting the CRDs deletes them (NodeClaim finalizers never run and their EC2 instances are orphaned). Remove them in an earlier change, then the add-on',
      'dev-karpenter: dev-karpenter was the last to serve karpenter.sh (controller or CRDs), and 1 custom resource of it remains: NodePool general (dev-karpenter-node-pools); without the controller their finalizers never run, and deleting the CRDs deletes them (NodeClaim finalizers never run and their EC2 instances are orphaned). Remove them in an earlier change, then the add-on',
    ]);
    expect(formatText(r, { baseLabel: 'a', headLabel: 'b' })).toContain('  ! dev/dev-karpenter: dev-karpenter was the last to serve karpenter.sh');
  });

  it('a group still served by a CRD file that is byte-identical on both sides (so not parsed for the quick check) is not lost', () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'nodepools.karpenter.sh' }, spec: { group: 'karpenter.sh', names: { kind: 'NodePool', plural: 'nodepools' }, scope: 'Cluster' } };
    const r = compare((m) => removeAddon(m, 'karpenter'), (m) => m.set('addons/karpenter-node-pools/customresourcedefinition_nodepools.karpenter.sh.yaml', crd));
    const msgs = controllerWarnings(r);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain('dev-karpenter was the last to serve karpenter.k8s.aws');
  });

  it('removing ESO while ExternalSecrets exist warns about the ExternalSecrets and their Secrets', () => {
    const r = compare((m) => removeAddon(m, 'external-secrets-operator'));
    const msgs = controllerWarnings(r);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain('dev-external-secrets-operator was the last to serve external-secrets.io (controller or CRDs), and 1 custom resource of it remains: ExternalSecret echo-server/config (dev-echo-server)');
    expect(msgs[0]).toContain('the Secrets it owns (creationPolicy: Owner)');
  });

  it('removing the controller and its custom resources in one change warns to split it in two', () => {
    const r = compare((m) => {
      removeAddon(m, 'karpenter');
      removeAddon(m, 'karpenter-node-pools');
    });
    expect(controllerWarnings(r)).toContain(
      'dev-karpenter: dev-karpenter was the last to serve karpenter.sh (controller or CRDs), and NodePool general (dev-karpenter-node-pools) goes in the same change: the controller and CRDs may be deleted before their finalizers run (NodeClaim finalizers never run and their EC2 instances are orphaned). Remove the custom resources in one change and the add-on in a later one',
    );
  });

  it('removing a chart source (the CRDs) of a kept Application warns too', () => {
    const r = compare((m) => ((m.get('apps/application_argocd_dev-external-secrets-operator.yaml') as { spec: { sources: Obj[] } }).spec.sources = [folder('external-secrets-operator')]));
    expect(controllerWarnings(r)[0]).toMatch(/^dev-external-secrets-operator: dev-external-secrets-operator was the last to serve external-secrets.io .* 2 custom resources of it remain: ClusterSecretStore ssm \(dev-external-secrets-operator\), ExternalSecret echo-server\/config \(dev-echo-server\)/);
  });

  it('does not warn when another Application still serves the group (a rename) or when no custom resource exists', () => {
    expect(
      controllerWarnings(
        compare((m) => {
          m.delete('apps/application_argocd_dev-karpenter.yaml');
          m.set('apps/application_argocd_dev-karpenter-v2.yaml', application('dev-karpenter-v2', 'karpenter-v2', [oci('karpenter'), oci('karpenter-crd')]));
        }),
      ),
    ).toEqual([]);
    expect(
      controllerWarnings(
        compare((m) => {
          removeAddon(m, 'echo-server');
          removeAddon(m, 'external-secrets-operator');
          m.delete('addons/external-secrets-operator/clustersecretstore_ssm.yaml');
        }),
      ).filter((w) => w.includes('remain')),
    ).toEqual([]);
  });

  it('a deleted CustomResourceDefinition names the custom resources that remain', () => {
    const r = compare((m) => m.delete('addons/widgets/customresourcedefinition_widgets.example.com.yaml'));
    expect(r.warnings.find((w) => w.kind === 'crd-deleted')!.message).toBe(
      'CustomResourceDefinition widgets.example.com is deleted while 1 Widget object remains in the rendered output (demo/w1): Kubernetes deletes every custom resource of this type with it',
    );
    expect(controllerWarnings(r)).toEqual([expect.stringMatching(/^dev-widgets: dev-widgets was the last to serve example.com \(controller or CRDs\), and 1 custom resource of it remains: Widget demo\/w1 \(dev-widget-users\)/)]);
  });
});
