import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { compareTrees, type DiffReport } from '../src/diff/engine.ts';
import { FLEET_DIR } from '../config/labels.ts';
import { COMMENT_MARKER, formatMarkdown, formatText } from '../src/diff/format.ts';
import { entryNameAsKey, isSensitiveKey, redact, redactPair, REDACTED, REDACTED_CHANGED } from '../src/diff/redact.ts';
import { unifiedDiff } from '../src/diff/unified.ts';

type Obj = Record<string, unknown>;
const yaml = (o: unknown) => `# Rendered by test.\n${dump(o, { lineWidth: -1, noRefs: true })}`;
const clone = <T>(o: T): T => structuredClone(o);

function application(name: string, addon: string, opts: { wave?: number; chart?: string; version?: string; values?: Obj; path?: string; finalizer?: boolean } = {}): Obj {
  const sources: Obj[] = [];
  if (opts.chart) sources.push({ repoURL: `https://charts.example.com/${opts.chart}`, chart: opts.chart, targetRevision: opts.version ?? '1.0.0', helm: { releaseName: opts.chart, valuesObject: opts.values ?? {} } });
  if (opts.path) sources.push({ repoURL: 'https://github.com/example-org/platform-gitops.git', targetRevision: 'HEAD', path: opts.path });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: 'argocd',
      labels: { 'eks-platform/addon': addon, 'eks-platform/cluster': 'dev' },
      annotations: { 'argocd.argoproj.io/sync-wave': String(opts.wave ?? 100) },
      ...(opts.finalizer === false ? {} : { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
    },
    spec: {
      project: 'dev-platform',
      destination: { server: 'https://kubernetes.default.svc', namespace: addon },
      ...(sources.length === 1 ? { source: sources[0] } : { sources }),
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
}

/** A small cluster with one chart+manifests add-on (demo) and one chart add-on (other). */
function baseObjects(): Map<string, Obj> {
  const m = new Map<string, Obj>();
  m.set('apps/application_argocd_dev-demo.yaml', application('dev-demo', 'demo', { chart: 'demo', version: '1.20.0', values: { replicas: 1, image: { tag: 'v1.0.0' }, auth: { password: 'hunter2' } }, path: 'dist/dev/addons/demo' }));
  m.set('apps/application_argocd_dev-other.yaml', application('dev-other', 'other', { wave: 50, chart: 'other', version: '2.0.0' }));
  m.set('apps/appproject_argocd_dev-platform.yaml', { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'dev-platform', namespace: 'argocd' }, spec: { sourceRepos: ['*'] } });
  m.set('bootstrap/application_argocd_dev-root.yaml', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'dev-root', namespace: 'argocd' }, spec: { project: 'dev-platform', source: { path: 'dist/dev/apps' } } });
  m.set('addons/demo/namespace_demo.yaml', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  m.set('addons/demo/customresourcedefinition_widgets.example.com.yaml', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Namespaced' } });
  m.set('addons/demo/deployment_demo_web.yaml', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:1.0.0' }] } } },
  });
  m.set('addons/demo/service_demo_web.yaml', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'demo' }, spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', ports: [{ port: 80 }] } });
  m.set('addons/demo/secret_demo_creds.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'demo' }, stringData: { username: 'admin-user', dbpass: 'base-s3cr3t' } });
  m.set('addons/demo/storageclass_fast.yaml', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3' } });
  m.set('addons/demo/configmap_demo_settings.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'demo' }, data: { region: 'eu-west-1', awsKeyId: 'AKIAABCDEFGHIJKLMNOP', note: 'plain' } });
  return m;
}

const tree = (clusters: Record<string, Map<string, Obj>>) =>
  new Map(Object.entries(clusters).map(([name, objs]) => [name, new Map([...objs].map(([p, o]) => [p, yaml(o)]))]));

function compare(edit: (m: Map<string, Obj>) => void): DiffReport {
  const base = baseObjects();
  const head = new Map([...base].map(([p, o]) => [p, clone(o)]));
  edit(head);
  return compareTrees(tree({ dev: base }), tree({ dev: head }));
}

const text = (r: DiffReport) => formatText(r, { baseLabel: 'main (abc1234)', headLabel: 'working tree' });
const demo = (m: Map<string, Obj>) => m.get('apps/application_argocd_dev-demo.yaml') as { metadata: { annotations: Obj }; spec: { sources: Array<Obj & { helm: { valuesObject: Obj } }>; destination: Obj; project: string } };

describe('compareTrees', () => {
  it('reports no changes for identical trees, ignoring comments and key order', () => {
    const base = tree({ dev: baseObjects() });
    const head = new Map([...base].map(([c, files]) => [c, new Map([...files].map(([p, t]) => [p, t.replace('# Rendered by test.', '# other header')]))]));
    const r = compareTrees(base, head);
    expect(r.hasChanges).toBe(false);
    expect(r.clusters[0].change).toBe('unchanged');
    expect(text(r)).toContain('No changes: main (abc1234) and working tree render the same objects (1 cluster, 11 files compared).');
  });

  it.each([
    [0, -0, '-extra: 0\n+extra: -0.0\n'],
    [Number.POSITIVE_INFINITY, Number.NaN, '-extra: .inf\n+extra: .nan\n'],
    [null, Number.NaN, '-extra: null\n+extra: .nan\n'],
  ])('reports a value changed from %s to %s, which JSON writes alike (YAML and Helm do not)', (from, to, shown) => {
    const r = compareTrees(
      tree({ dev: new Map([...baseObjects()].map(([p, o]) => [p, p.includes('dev-demo') ? { ...o, extra: from } : o])) }),
      tree({ dev: new Map([...baseObjects()].map(([p, o]) => [p, p.includes('dev-demo') ? { ...o, extra: to } : o])) }),
    );
    expect(r.hasChanges).toBe(true);
    expect(r.clusters[0].groups.find((x) => x.name === 'dev-demo')!.change).toBe('changed');
    expect(text(r)).toContain(shown);
  });

  it('summarizes a chart version bump, a changed value, an image tag and a wave change', () => {
    const r = compare((m) => {
      const app = demo(m);
      app.spec.sources[0].targetRevision = '1.21.1';
      app.spec.sources[0].helm.valuesObject.replicas = 2;
      (app.spec.sources[0].helm.valuesObject.image as Obj).tag = 'v1.1.0';
      app.metadata.annotations['argocd.argoproj.io/sync-wave'] = '105';
    });
    const g = r.clusters[0].groups.find((x) => x.name === 'dev-demo')!;
    expect(g.type).toBe('application');
    expect(g.change).toBe('changed');
    expect(g.counts).toEqual({ add: 0, change: 1, destroy: 0 });
    expect(g.charts).toEqual([{ what: 'demo', from: '1.20.0', to: '1.21.1' }]);
    expect(g.images).toEqual([{ what: 'values image.tag', from: 'v1.0.0', to: 'v1.1.0' }]);
    expect(g.waves).toEqual([{ what: 'wave', from: '100', to: '105' }]);
    const out = text(r);
    expect(out).toContain('Cluster dev: Applications 0 added, 1 changed, 0 removed');
    expect(out).toContain('  ~ dev-demo (wave 105): 0 to add, 1 to change, 0 to destroy');
    expect(out).toContain('      chart demo: 1.20.0 → 1.21.1');
    expect(out).toContain('      image values image.tag: v1.0.0 → v1.1.0');
    expect(out).toContain('      wave: 100 → 105');
    expect(out).toContain('      values.replicas: 1 → 2');
    expect(out).toContain('Plan: 0 to add, 1 to change, 0 to destroy (rendered files).');
    // The unified diff of the object, keys sorted.
    expect(out).toContain('-          replicas: 1\n+            tag: v1.1.0\n+          replicas: 2\n');
    expect(out).toContain('-      targetRevision: 1.20.0\n+      targetRevision: 1.21.1\n');
    expect(out).toContain('--- a/dev/apps/application_argocd_dev-demo.yaml');
    expect(r.warnings).toEqual([]);
  });

  it('reports image changes of workload containers and project/destination changes with a warning', () => {
    const r = compare((m) => {
      const d = m.get('addons/demo/deployment_demo_web.yaml') as { spec: { template: { spec: { containers: Obj[] } } } };
      d.spec.template.spec.containers[0].image = 'example/web:1.1.0';
      const app = demo(m);
      app.spec.project = 'dev-other';
      app.spec.destination.namespace = 'demo2';
    });
    const g = r.clusters[0].groups.find((x) => x.name === 'dev-demo')!;
    expect(g.images).toEqual([{ what: 'Deployment web container web', from: 'example/web:1.0.0', to: 'example/web:1.1.0' }]);
    expect(g.projects).toEqual([{ what: 'project', from: 'dev-platform', to: 'dev-other' }]);
    expect(g.destinations[0]).toEqual({ what: 'destination', from: 'https://kubernetes.default.svc demo', to: 'https://kubernetes.default.svc demo2' });
    expect(r.warnings.map((w) => w.kind)).toEqual(['destination-changed']);
    expect(g.counts).toEqual({ add: 0, change: 2, destroy: 0 });
  });

  it('warns about prunes and about deleting a CRD or a Namespace', () => {
    const r = compare((m) => {
      m.delete('addons/demo/deployment_demo_web.yaml');
      m.delete('addons/demo/customresourcedefinition_widgets.example.com.yaml');
      m.delete('addons/demo/namespace_demo.yaml');
    });
    const msgs = r.warnings.map((w) => `${w.kind}: ${w.message}`);
    expect(msgs).toContain('prune: prune: Deployment demo/web is removed; Argo CD deletes it (automated prune)');
    expect(msgs).toContain('crd-deleted: CustomResourceDefinition widgets.example.com is deleted: Kubernetes deletes every custom resource of this type with it');
    expect(msgs).toContain('namespace-deleted: Namespace demo is deleted, with everything in it');
    expect(r.warnings.filter((w) => w.kind === 'prune')).toHaveLength(3);
    expect(r.clusters[0].groups.find((g) => g.name === 'dev-demo')!.counts).toEqual({ add: 0, change: 0, destroy: 3 });
    expect(text(r)).toContain('Warnings (5):\n  ! dev/dev-demo: ');
  });

  it('warns when an Application is removed: its finalizer deletes what it deployed', () => {
    const r = compare((m) => m.delete('apps/application_argocd_dev-other.yaml'));
    expect(r.clusters[0].applications).toEqual({ added: [], removed: ['dev-other'], changed: [] });
    expect(r.warnings).toEqual([
      {
        cluster: 'dev',
        group: 'dev-other',
        kind: 'application-removed',
        message: 'Application dev-other is removed (chart other 2.0.0): its resources-finalizer makes Argo CD delete everything it deployed',
      },
    ]);
    expect(text(r)).toContain('  - dev-other (wave 50): 0 to add, 0 to change, 1 to destroy');
  });

  it('reports an added Application as added', () => {
    const r = compare((m) => m.set('apps/application_argocd_dev-new.yaml', application('dev-new', 'new', { wave: 70, chart: 'new', version: '0.1.0' })));
    expect(r.clusters[0].applications.added).toEqual(['dev-new']);
    expect(r.clusters[0].groups[0].charts).toEqual([{ what: 'new', to: '0.1.0' }]);
    expect(text(r)).toContain('chart new: (new) 0.1.0');
  });

  it('warns about changes of immutable fields (selector, clusterIP, StorageClass parameters, Service type)', () => {
    const r = compare((m) => {
      (m.get('addons/demo/deployment_demo_web.yaml') as { spec: { selector: Obj } }).spec.selector = { matchLabels: { app: 'web2' } };
      (m.get('addons/demo/service_demo_web.yaml') as { spec: Obj }).spec = { type: 'LoadBalancer', clusterIP: '10.0.0.11', ports: [{ port: 80 }] };
      (m.get('addons/demo/storageclass_fast.yaml') as Obj).parameters = { type: 'io2' };
    });
    const msgs = r.warnings.filter((w) => w.kind === 'replacement').map((w) => w.message);
    expect(msgs).toContain(
      'Deployment demo/web: spec.selector changed ({"matchLabels":{"app":"web"}} → {"matchLabels":{"app":"web2"}}); it is immutable, so the sync fails until the object is deleted and re-created (sync option Replace=true, or delete it by hand)',
    );
    expect(msgs.some((m) => m.startsWith('Service demo/web: spec.clusterIP changed (10.0.0.10 → 10.0.0.11)'))).toBe(true);
    expect(msgs).toContain("Service demo/web: spec.type ClusterIP → LoadBalancer; the Service's cluster IP, node ports or load balancer are allocated or released");
    expect(msgs.some((m) => m.startsWith('StorageClass fast: parameters changed ({"type":"gp3"} → {"type":"io2"})'))).toBe(true);
    expect(msgs).toHaveLength(4);
  });

  it('redacts Secret values, credential-like keys and values, in summaries and diffs', () => {
    const r = compare((m) => {
      (m.get('addons/demo/secret_demo_creds.yaml') as Obj).stringData = { username: 'admin-user', dbpass: 'head-s3cr3t' };
      (demo(m).spec.sources[0].helm.valuesObject.auth as Obj).password = 'correct-horse';
      (m.get('addons/demo/configmap_demo_settings.yaml') as { data: Obj }).data.note = 'changed';
    });
    const out = text(r);
    for (const secret of ['hunter2', 'correct-horse', 'base-s3cr3t', 'head-s3cr3t', 'admin-user', 'AKIAABCDEFGHIJKLMNOP']) expect(out).not.toContain(secret);
    expect(out).toContain(`values.auth.password: ${REDACTED} → ${REDACTED_CHANGED}`);
    expect(out).toContain(`-  dbpass: ${REDACTED}`);
    expect(out).toContain(`+  dbpass: ${REDACTED_CHANGED}`);
    expect(out).toContain(`  awsKeyId: ${REDACTED}`);
    const md = formatMarkdown(r, { baseLabel: 'a', headLabel: 'b' });
    for (const secret of ['hunter2', 'correct-horse', 'head-s3cr3t', 'AKIAABCDEFGHIJKLMNOP']) expect(md).not.toContain(secret);
  });

  it('treats clusters present on one side only as added or removed', () => {
    const r = compareTrees(tree({ dev: baseObjects() }), tree({ prod: baseObjects() }));
    expect(r.clusters.map((c) => [c.name, c.change])).toEqual([
      ['dev', 'removed'],
      ['prod', 'added'],
    ]);
    expect(r.warnings[0]).toMatchObject({ cluster: 'dev', kind: 'cluster-removed' });
  });

  it("marks a new cluster's bootstrap and AWS files, and its template's outputs, as added (+), not changed (~)", () => {
    const template = (description?: string) => ({
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dev-q' } } },
      Outputs: { QueueName: { Value: { 'Fn::GetAtt': ['Queue', 'QueueName'] }, ...(description ? { Description: description } : {}) } },
    });
    // Templates are JSON files; the rest of the cluster as usual.
    const withAws = (description?: string) => {
      const t = tree({ dev: baseObjects() });
      t.get('dev')!.set('aws/cloudformation.json', JSON.stringify(template(description), null, 2));
      return t;
    };
    const r = compareTrees(tree({}), withAws());
    expect(r.clusters[0].groups.map((g) => [g.type, g.change])).toEqual([
      ['root', 'added'],
      ['application', 'added'],
      ['application', 'added'],
      ['aws', 'added'],
    ]);
    const out = text(r);
    expect(out).toMatch(/^ {2}\+ AWS bootstrap \(CloudFormation\)/m);
    expect(out).toContain('  + Outputs.QueueName');
    expect(out).not.toMatch(/^\s*~ /m);
    // A later change to the same template is a change again.
    const changed = text(compareTrees(withAws(), withAws('the queue')));
    expect(changed).toMatch(/^ {2}~ AWS bootstrap \(CloudFormation\)/m);
    expect(changed).toContain('  ~ Outputs.QueueName');
  });

  it('labels dist/_fleet as the fleet, not a cluster, and leaves it out of the cluster count', () => {
    const fleet = (ns: string) => new Map([['applicationset_argocd_platform-roots.yaml', yaml({ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { name: 'platform-roots', namespace: ns }, spec: {} })]]);
    const base = new Map([...tree({ dev: baseObjects() }), [FLEET_DIR, fleet('argocd')]]);
    expect(text(compareTrees(base, base))).toContain('render the same objects (1 cluster and the fleet, 12 files compared)');
    const r = compareTrees(base, new Map([...tree({ dev: baseObjects() }), [FLEET_DIR, fleet('argo')]]));
    const out = text(r);
    expect(out).toContain('\nFleet (management Argo CD): Applications 0 added, 0 changed, 0 removed\n');
    expect(out).toContain('\nCluster dev: no changes\n');
    expect(out).not.toContain('Cluster _fleet');
    expect(out).toContain('### Fleet (management Argo CD) / ');
    const md = formatMarkdown(r, { baseLabel: 'a', headLabel: 'b' });
    expect(md).toContain('| `Fleet (management Argo CD)` | 0 | 0 | 0 | 0 / 1 / 0 |');
    expect(md).toContain('### `Fleet (management Argo CD)`\n');
    expect(md).not.toContain('_fleet |');
    const removed = compareTrees(base, tree({ dev: baseObjects() }));
    expect(text(removed)).toContain('Fleet (management Argo CD) (removed): ');
    expect(removed.warnings[0].message).toBe('dist/_fleet is removed: its ApplicationSet was applied by hand (kubectl apply -f dist/_fleet/) and must be deleted by hand');
  });

  it('lists CloudFormation resources added, modified, replaced and removed', () => {
    const template = (resources: Obj) => ({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });
    const base = new Map([['aws/cloudformation.json', JSON.stringify(template({ Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'dev-karpenter', AssumeRolePolicyDocument: {} } }, Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } }))]]);
    const head = new Map([['aws/cloudformation.json', JSON.stringify(template({ Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'dev-karpenter-v2', AssumeRolePolicyDocument: {} } }, Queue: { Type: 'AWS::SQS::Queue', Properties: {} } }))]]);
    const r = compareTrees(new Map([['dev', base]]), new Map([['dev', head]]));
    const g = r.clusters[0].groups[0];
    expect(g.name).toBe('AWS bootstrap (CloudFormation)');
    expect(g.templates[0].diff.resources.map((x) => [x.logicalId, x.change, x.impact])).toEqual([
      ['Bucket', 'removed', 'WILL_DESTROY'],
      ['Queue', 'added', 'WILL_CREATE'],
      ['Role', 'modified', 'WILL_REPLACE'],
    ]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'aws/cloudformation.json: AWS::S3::Bucket Bucket is removed (deleted)',
      'aws/cloudformation.json: AWS::IAM::Role Role is replaced (changed: RoleName)',
    ]);
    const out = text(r);
    expect(out).toContain('      template aws/cloudformation.json: 1 to add, 1 to change, 1 to destroy');
    expect(out).toContain('        ~ AWS::IAM::Role Role (replacement): RoleName');
  });
});

describe('formatMarkdown', () => {
  it('puts each Application in a collapsible section', () => {
    const r = compare((m) => (demo(m).spec.sources[0].targetRevision = '1.21.1'));
    const md = formatMarkdown(r, { baseLabel: 'main (abc1234)', headLabel: 'working tree' });
    expect(md).toContain('## Platform diff: `main (abc1234)` → `working tree`');
    expect(md).toContain('| `dev` | 0 | 1 | 0 | 0 / 1 / 0 |');
    expect(md).toContain('<details><summary><code>~ dev-demo (wave 100): 0 to add, 1 to change, 0 to destroy</code> · chart <code>demo: 1.20.0 → 1.21.1</code></summary>');
    expect(md).toContain('```diff\n--- a/dev/apps/application_argocd_dev-demo.yaml');
    expect(md).not.toContain('Diff truncated');
  });

  it('stays under the comment size limit with a truncation note', () => {
    const r = compare((m) => {
      for (let i = 0; i < 40; i++) {
        m.set(`addons/demo/configmap_demo_big-${i}.yaml`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'demo' }, data: Object.fromEntries(Array.from({ length: 200 }, (_, j) => [`k${j}`, `value-${i}-${j}`])) });
        m.set(`apps/application_argocd_dev-x${i}.yaml`, application(`dev-x${i}`, `x${i}`, { chart: `x${i}`, values: { blob: 'y'.repeat(3000) } }));
      }
    });
    const md = formatMarkdown(r, { baseLabel: 'a', headLabel: 'b' });
    expect(md.length).toBeLessThanOrEqual(65536);
    expect(md.length).toBeGreaterThan(60000);
    expect(md).toMatch(/\*\*Diff truncated\*\* to stay under GitHub's 65,536-character comment limit: \d+ of 41 Application sections shown in full/);
    // Every opened section is closed.
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    const small = formatMarkdown(r, { baseLabel: 'a', headLabel: 'b', maxChars: 8000 });
    expect(small.length).toBeLessThanOrEqual(8000);
    expect(small).toContain('Diff truncated');
  });

  it('says there are no changes', () => {
    const r = compare(() => {});
    expect(formatMarkdown(r, { baseLabel: 'a', headLabel: 'b' })).toContain('No changes: a and b render the same objects');
  });

  it('starts with the marker the workflow finds its own comment by, changes or not', () => {
    expect(COMMENT_MARKER).toBe('<!-- platform-diff -->');
    expect(formatMarkdown(compare(() => {}), { baseLabel: 'a', headLabel: 'b' }).startsWith(`${COMMENT_MARKER}\n## Platform diff: `)).toBe(true);
    expect(formatMarkdown(compare((m) => m.delete('addons/demo/service_demo_web.yaml')), { baseLabel: 'a', headLabel: 'b' }).startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
  });
});

describe('keys named like Object.prototype members', () => {
  it('compares and redacts keys named constructor, toString, hasOwnProperty and __proto__ as data (they crashed the diff)', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const r = compare((m) => {
        const annotations = demo(m).metadata.annotations;
        Object.defineProperty(annotations, key, { value: 'x', enumerable: true, writable: true, configurable: true });
      });
      const resources = r.clusters.flatMap((c) => c.groups.flatMap((g) => g.resources));
      expect(resources.map((x) => x.label), key).toEqual(['Application argocd/dev-demo']);
      expect(resources[0].diff, key).toContain(`+    ${key}: x`);
    }
    const [a, b] = redactPair(JSON.parse('{"__proto__": {"token": "s"}, "password": "p"}'), JSON.parse('{"__proto__": {"token": "t"}, "password": "p"}')) as Obj[];
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(Object.keys(b)).toEqual(['__proto__', 'password']);
    expect(Object.getOwnPropertyDescriptor(b, '__proto__')?.value).toEqual({ token: REDACTED_CHANGED });
  });
});

describe('redaction', () => {
  it('knows credential keys from references to them', () => {
    for (const k of ['password', 'apiToken', 'clientSecret', 'accessKey', 'credentials', 'privateKey']) expect(isSensitiveKey(k), k).toBe(true);
    for (const k of ['topologyKey', 'key', 'secretName', 'existingSecret', 'tokenPath', 'imagePullSecrets', 'keyAlgorithm', 'replicas']) expect(isSensitiveKey(k), k).toBe(false);
  });

  it('redacts private keys and AWS access key ids wherever they are, and whole Secret data', () => {
    expect(redact({ a: { b: '-----BEGIN RSA PRIVATE KEY-----\nMIIE…' }, c: 'ASIAABCDEFGHIJKLMNOP' })).toEqual({ a: { b: REDACTED }, c: REDACTED });
    expect(redact({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.crt': 'Zm9v' } })).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.crt': REDACTED } });
    expect(redactPair({ token: 'a', n: 1 }, { token: 'a', n: 2 })).toEqual([{ token: REDACTED, n: 1 }, { token: REDACTED, n: 2 }]);
  });

  it('treats auth, dockerconfigjson and pwd keys as credentials; an auth map is judged key by key', () => {
    for (const k of ['auth', 'dockerconfigjson', '.dockerconfigjson', 'pwd', 'dbPwd', 'Authorization', 'htpasswd']) expect(isSensitiveKey(k), k).toBe(true);
    expect(redact({ auths: { 'ghcr.io': { username: 'bot', auth: 'Ym90OnMzY3IzdA==' } }, dockerconfigjson: '{"auths":{}}', pwd: 'hunter2' })).toEqual({
      auths: { 'ghcr.io': { username: 'bot', auth: REDACTED } },
      dockerconfigjson: REDACTED,
      pwd: REDACTED,
    });
    // Under an `auth` settings block only the credentials go: reviewers still see `enabled` flip.
    expect(redactPair({ auth: { enabled: false } }, { auth: { enabled: true, password: 'hunter2' } })).toEqual([{ auth: { enabled: false } }, { auth: { enabled: true, password: REDACTED } }]);
  });

  it('redacts the value of a {name, value} entry whose name is a credential (container env, Helm parameters)', () => {
    expect(entryNameAsKey('DB_PASSWORD')).toBe('dbPassword');
    const env = (pw: string) => ({ containers: [{ name: 'app', env: [{ name: 'DB_PASSWORD', value: pw }, { name: 'DB_SECRET_NAME', value: 'db' }, { name: 'LOG_LEVEL', value: 'debug' }] }] });
    expect(redact(env('hunter2'))).toEqual({ containers: [{ name: 'app', env: [{ name: 'DB_PASSWORD', value: REDACTED }, { name: 'DB_SECRET_NAME', value: 'db' }, { name: 'LOG_LEVEL', value: 'debug' }] }] });
    const [, head] = redactPair(env('hunter2'), env('hunter3')) as Array<{ containers: Array<{ env: Obj[] }> }>;
    expect(head.containers[0].env[0]).toEqual({ name: 'DB_PASSWORD', value: REDACTED_CHANGED });
    expect(redact({ helm: { parameters: [{ name: 'auth.password', value: 'hunter2' }, { name: 'replicas', value: '2' }] } })).toEqual({
      helm: { parameters: [{ name: 'auth.password', value: REDACTED }, { name: 'replicas', value: '2' }] },
    });
    // Renamed to a credential name: judged by each side's own name.
    expect(redactPair({ name: 'MODE', value: 'a' }, { name: 'API_TOKEN', value: 'b' })).toEqual([{ name: 'MODE', value: 'a' }, { name: 'API_TOKEN', value: REDACTED }]);
  });

  it('redacts credentials inside strings that are YAML or JSON documents (Helm values, argocd-cm *.config)', () => {
    const r = compare((m) => {
      const cm = (clientSecret: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' }, data: { url: 'https://argocd.example.com', 'oidc.config': `name: SSO\nissuer: https://sso.example.com\nclientID: argocd\nclientSecret: ${clientSecret}\n`, 'dex.config': '{"connectors":[{"type":"github","config":{"clientSecret":"json-s3cr3t","orgs":["example"]}}]}' } });
      m.set('addons/demo/configmap_argocd_argocd-cm.yaml', cm('oidc-s3cr3t'));
      (demo(m).spec.sources[0].helm as Obj).values = 'replicas: 2\nauth:\n  enabled: true\n  password: values-s3cr3t\n';
    });
    const out = text(r);
    for (const secret of ['oidc-s3cr3t', 'json-s3cr3t', 'values-s3cr3t']) expect(out).not.toContain(secret);
    expect(out).toContain(`clientSecret: ${REDACTED}`);
    expect(out).toContain(`"clientSecret":"${REDACTED}","orgs":["example"]`);
    expect(out).toContain(`password: ${REDACTED}`);
    // What is not a credential stays readable.
    expect(out).toContain('clientID: argocd');
    expect(out).toContain('enabled: true');
    // A changed credential inside a document still shows as changed.
    const [, head] = redactPair({ v: 'clientID: a\nclientSecret: one\n' }, { v: 'clientID: a\nclientSecret: two\n' });
    expect(head).toEqual({ v: `clientID: a\nclientSecret: ${REDACTED_CHANGED}\n` });
    // Clean documents and prose are printed as written (comments kept); documents with anchors are redacted whole.
    expect(redact({ v: '# tuned\nlimiter: token-bucket\n' })).toEqual({ v: '# tuned\nlimiter: token-bucket\n' });
    expect(redact({ info: 'External Secrets Operator: Secrets from SSM' })).toEqual({ info: 'External Secrets Operator: Secrets from SSM' });
    expect(redact({ v: 'a: &x {password: hunter2}\nb: *x\n' })).toEqual({ v: REDACTED });
  });
});

describe('unifiedDiff', () => {
  it('produces hunks with three lines of context', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const b = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n';
    expect(unifiedDiff(a, b, { from: 'a/x', to: 'b/x' })).toBe(
      '--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n',
    );
    expect(unifiedDiff(a, a, { from: 'a', to: 'b' })).toBe('');
  });
});
