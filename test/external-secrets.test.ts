import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { externalSecretsOperator, externalSecretsValues, type ExternalSecretsOperatorProps } from '../charts/operators/external-secrets-operator.ts';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { SERVICE_ACCOUNTS } from '../config/naming.ts';
import { renderCluster } from '../src/render.ts';
import { addonContext, fixtureCluster as exampleCluster, parse, renderAddon, renderFixture as render } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, schemaProblems, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

const CHART = join(UPSTREAM, 'charts', 'external-secrets');
const STORE = 'addons/external-secrets-operator/clustersecretstore_aws-parameter-store.yaml';
const SECRET = 'addons/external-secrets-operator/externalsecret_echo-server_echo-server-config.yaml';
const app = (cluster: string) => `apps/application_argocd_${cluster}-external-secrets-operator.yaml`;

/** The example cluster with echo-server enabled, whether or not that add-on is registered yet. */
function withEchoServer(cluster: Cluster, enabled = true): Cluster {
  return { ...cluster, addons: { ...cluster.addons, 'echo-server': { enabled, values: {}, settings: {} } } };
}

describe('external-secrets-operator', () => {
  const prod = render('prod');
  const prodApp = parse(prod, app('prod'));
  const values = prodApp.spec.sources[0].helm.valuesObject;

  it('protects its CRDs: Argo CD never deletes or prunes them, so ExternalSecrets and their Secrets survive a removal', () => {
    expect(values.installCRDs).toBe(true);
    expect(values.crds.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' });
  });

  it('rejects values overrides that drop the CRDs or their protection', () => {
    const values = { installCRDs: false, crds: { annotations: { 'argocd.argoproj.io/sync-options': 'Prune=true' } } };
    expect(renderAddon(externalSecretsOperator, { cluster: 'prod', values }).errors).toEqual([
      expect.stringMatching(/^clusters\/prod\.yaml: addons\.external-secrets-operator\.values\.installCRDs: got false \(boolean\); allowed: true \(or leave it out\)/),
      expect.stringMatching(/^clusters\/prod\.yaml: addons\.external-secrets-operator\.values\.crds\.annotations\.argocd\.argoproj\.io\/sync-options: got "Prune=true" \(string\); allowed: "Delete=false,Prune=false"/),
    ]);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('installs the pinned chart into external-secrets at wave 120 with server-side apply'), () => {
    const source = prodApp.spec.sources[0];
    expect(source).toMatchObject({ repoURL: 'https://charts.external-secrets.io', chart: 'external-secrets', targetRevision: '2.9.0' });
    const chartYaml = load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    expect([chartYaml.name, chartYaml.version]).toEqual([source.chart, source.targetRevision]);
    expect(prodApp.spec.destination.namespace).toBe('external-secrets');
    expect(prodApp.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('120');
    expect(prodApp.spec.syncPolicy.syncOptions).toEqual(
      expect.arrayContaining(['ServerSideApply=true', 'RespectIgnoreDifferences=true', 'SkipDryRunOnMissingResource=true']),
    );
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('sets only keys the chart has, with types its values.schema.json accepts'), async () => {
    expect(await applicationHelmProblems(prodApp)).toEqual([]);
    expect(await helmValuesProblems('external-secrets', '2.9.0', { webhook: { replicas: 2 } })).toEqual([
      expect.stringMatching(/^webhook\.replicas: chart external-secrets 2\.9\.0 has no value webhook\.replicas;/),
    ]);
    expect(await helmValuesProblems('external-secrets', '2.9.0', { ...values, replicaCount: '3' })).toEqual([
      'replicaCount: got "3" (string); allowed: integer (values.schema.json of external-secrets 2.9.0)',
    ]);
  });

  it('installs the CRDs from the chart and runs production replicas of all three components with PDBs', () => {
    expect(values.installCRDs).toBe(true);
    expect(values.replicaCount).toBe(3);
    expect(values.leaderElect).toBe(true);
    expect(values.webhook.replicaCount).toBe(3);
    expect(values.certController.replicaCount).toBe(3);
    expect(values.certController.extraArgs).toEqual({ 'enable-leader-election': true });
    for (const pdb of [values.podDisruptionBudget, values.webhook.podDisruptionBudget, values.certController.podDisruptionBudget]) {
      expect(pdb).toEqual({ enabled: true, minAvailable: 1 });
    }
    for (const r of [values.resources, values.webhook.resources, values.certController.resources]) {
      expect(Object.keys(r.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(r.limits).sort()).toEqual(['cpu', 'memory']);
    }
    expect(values.webhook.topologySpreadConstraints[0].labelSelector.matchLabels['app.kubernetes.io/name']).toBe('external-secrets-webhook');
    // dev runs one of each: no leader election, no PDB that would block node drains.
    const dev = parse(render('dev'), app('dev')).spec.sources[0].helm.valuesObject;
    expect([dev.replicaCount, dev.leaderElect, dev.podDisruptionBudget.enabled, dev.certController.extraArgs]).toEqual([1, false, false, {}]);
  });

  it('annotates the shared service account with the IRSA role of the naming convention', () => {
    expect(values.serviceAccount).toEqual({
      create: true,
      name: 'external-secrets',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::222222222222:role/prod-external-secrets' },
    });
    expect(SERVICE_ACCOUNTS['external-secrets']).toEqual({ namespace: prodApp.spec.destination.namespace, name: values.serviceAccount.name });
  });

  it('ignores exactly the fields the cert-controller writes', () => {
    expect(prodApp.spec.ignoreDifferences).toEqual([
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'secretstore-validate', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'externalsecret-validate', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      {
        group: 'apiextensions.k8s.io',
        kind: 'CustomResourceDefinition',
        jqPathExpressions: [
          '.spec.conversion.webhook.clientConfig.caBundle',
          '.spec.conversion.webhook.clientConfig.service.name',
          '.spec.conversion.webhook.clientConfig.service.namespace',
        ],
      },
    ]);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('renders the ClusterSecretStore on SSM Parameter Store in the cluster region, IRSA auth, restricted namespaces, later wave'), async () => {
    const store = parse(prod, STORE);
    expect(store).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'aws-parameter-store', annotations: { 'argocd.argoproj.io/sync-wave': '10' } },
      spec: {
        provider: {
          aws: {
            service: 'ParameterStore',
            region: 'us-east-1',
            auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
          },
        },
        conditions: [{ namespaces: ['echo-server'] }],
        refreshInterval: '10m',
      },
    });
    expect(await schemaProblems([store])).toEqual([]);
    expect(await schemaProblems([{ ...store, spec: { ...store.spec, provider: { aws: { ...store.spec.provider.aws, service: 'SSM' } } } }])).toEqual([
      expect.stringMatching(/^ClusterSecretStore\/aws-parameter-store: spec\.provider\.aws\.service: got "SSM"; allowed: /),
    ]);
  });

  it('takes the allowed namespaces from config', () => {
    const settings = { ...exampleCluster('dev').addons['external-secrets-operator'].settings, allowedNamespaces: ['echo-server', 'payments'] };
    const store = renderAddon(externalSecretsOperator, { settings }).manifests.find((m) => m.kind === 'ClusterSecretStore')!;
    expect(store.spec.conditions).toEqual([{ namespaces: ['echo-server', 'payments'] }]);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('gives echo-server its message from the cluster prefix: explicit refresh, Owner creation policy, valid v1'), async () => {
    const out = renderCluster(withEchoServer(exampleCluster('dev')));
    const es = parse(out, SECRET);
    expect(es).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'echo-server-config', namespace: 'echo-server', annotations: { 'argocd.argoproj.io/sync-wave': '10' } },
      spec: {
        refreshInterval: '5m',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-parameter-store' },
        target: { name: 'echo-server-config', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: [
          {
            secretKey: 'message',
            remoteRef: { key: '/dev/apps/echo-server/message', conversionStrategy: 'Default', decodingStrategy: 'None', metadataPolicy: 'None' },
          },
        ],
      },
    });
    // The check is against the v1 schema of the pinned CRD: an apiVersion it does not serve would be reported.
    expect(await schemaProblems([es])).toEqual([]);
    expect(await schemaProblems([{ ...es, spec: { ...es.spec, target: { ...es.spec.target, creationPolicy: 'Always' } } }])).toEqual([
      expect.stringMatching(/^ExternalSecret\/echo-server\/echo-server-config: spec\.target\.creationPolicy: got "Always"; allowed: /),
    ]);
    // prod refreshes hourly.
    expect(parse(renderCluster(withEchoServer(exampleCluster('prod'))), SECRET).spec.refreshInterval).toBe('1h');
    // The AppProject lets the ESO Application write into echo-server's namespace.
    const project = parse(out, 'apps/appproject_argocd_dev-platform.yaml');
    expect(project.spec.destinations).toContainEqual({ server: 'https://kubernetes.default.svc', namespace: 'echo-server' });
  });

  it('renders no ExternalSecret when echo-server is disabled (its namespace would not exist)', () => {
    const { addons } = withEchoServer(exampleCluster('dev'), false);
    const kinds = renderAddon(externalSecretsOperator, { overrides: { addons } }).manifests.map((m) => m.kind);
    expect(kinds).toEqual(['ClusterSecretStore']);
  });

  it('fails when echo-server is enabled but its namespace is not allowed', () => {
    const cluster = withEchoServer(exampleCluster('dev'));
    const config = cluster.addons['external-secrets-operator'];
    const settings = { ...(config.settings as unknown as ExternalSecretsOperatorProps), allowedNamespaces: ['payments'] };
    expect(externalSecretsOperator.validate!({ cluster, config, settings, addons: ADDONS })).toEqual([
      {
        path: 'addons.external-secrets-operator.allowedNamespaces',
        message:
          'got ["payments"], which leaves out "echo-server" where echo-server\'s ExternalSecret lives; allowed: a list that includes "echo-server" (or disable addons.echo-server)',
      },
    ]);
    expect(externalSecretsOperator.validate!({ cluster: withEchoServer(exampleCluster('dev'), false), config, settings, addons: ADDONS })).toEqual([]);
    expect(externalSecretsOperator.validate!({ cluster, config, settings: { ...settings, allowedNamespaces: ['payments', 'echo-server'] }, addons: ADDONS })).toEqual([]);
  });

  it('fails on bad settings: namespace names, empty list, durations, replicas', () => {
    const errors = (settings: Record<string, unknown>) => renderAddon(externalSecretsOperator, { settings }).errors;
    expect(errors({ allowedNamespaces: ['Echo_Server'], refreshInterval: '1 hour', replicas: 0 })).toEqual([
      'clusters/dev.yaml: addons.external-secrets-operator.replicas: got 0 (number); allowed: a whole number >= 1 and <= 5',
      'clusters/dev.yaml: addons.external-secrets-operator.allowedNamespaces[0]: got "Echo_Server" (string); allowed: a namespace name',
      'clusters/dev.yaml: addons.external-secrets-operator.refreshInterval: got "1 hour" (string); allowed: a Go duration such as "1h" or "15m"',
    ]);
    expect(errors({ allowedNamespaces: [] })).toEqual([
      'clusters/dev.yaml: addons.external-secrets-operator.allowedNamespaces: got [] (a list); allowed: a list of at least 1 of a namespace name, without repeats',
    ]);
  });

  it('builds values from props alone', () => {
    expect(externalSecretsValues(exampleCluster('dev'), addonContext(externalSecretsOperator, { settings: {} }).settings)).toMatchObject({ replicaCount: 2, leaderElect: true, webhook: { replicaCount: 2 } });
  });
});
