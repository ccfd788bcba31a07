import { describe, expect, it } from 'vitest';
import { certManager, ISSUERS } from '../charts/network/cert-manager.ts';
import { SERVICE_ACCOUNTS } from '../config/naming.ts';
import { exampleCluster, fixtureCluster, parse, renderAddon, renderFixture as render } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, schemaProblems, UPSTREAM_MISSING } from './schema-helpers.ts';

const APP = (c: string) => `apps/application_argocd_${c}-cert-manager.yaml`;
const ISSUER = (name: string) => `addons/cert-manager/clusterissuer_${name}.yaml`;

function chartSource(app: Record<string, any>) {
  return app.spec.sources.find((s: any) => s.helm);
}

/** The values the Application carries, from the add-on's hooks in memory. */
const valuesOf = (cluster: string) => renderAddon(certManager, { cluster }).values!;
const settings = (cluster: string) => fixtureCluster(cluster).addons['cert-manager'].settings;

describe('cert-manager values', () => {
  it('installs the CRDs through crds.enabled (not the removed installCRDs) and keeps them', () => {
    const values = valuesOf('prod');
    expect(values.crds).toEqual({ enabled: true, keep: true });
    expect(values).not.toHaveProperty('installCRDs');
  });

  it('rejects values overrides that drop the CRDs or stop keeping them (every Certificate would go with them)', () => {
    expect(renderAddon(certManager, { cluster: 'prod', values: { crds: { keep: false } } }).errors).toEqual([expect.stringMatching(/^clusters\/prod\.yaml: addons\.cert-manager\.values\.crds\.keep: got false \(boolean\); allowed: true \(or leave it out\): keeps the CRDs/)]);
  });

  it('runs 2 replicas of controller, webhook and cainjector with PodDisruptionBudgets by default (prod)', () => {
    const values = valuesOf('prod');
    for (const part of [values, values.webhook, values.cainjector]) {
      expect(part.replicaCount).toBe(2);
      expect(part.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
      expect(part.resources.requests.memory).toMatch(/Mi$/);
      expect(part.resources.limits.memory).toMatch(/Mi$/);
      expect(part.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    }
  });

  it('dev runs single replicas without budgets', () => {
    const values = valuesOf('dev');
    expect([values.replicaCount, values.webhook.replicaCount, values.cainjector.replicaCount]).toEqual([1, 1, 1]);
    expect(values.podDisruptionBudget.enabled).toBe(false);
  });

  it('annotates the shared service account with the IRSA role by the naming convention', () => {
    const values = valuesOf('dev');
    expect(SERVICE_ACCOUNTS['cert-manager']).toEqual({ namespace: 'cert-manager', name: 'cert-manager' });
    expect(values.serviceAccount).toEqual({
      create: true,
      name: 'cert-manager',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/dev-cert-manager' },
    });
    expect(values.global.leaderElection.namespace).toBe('cert-manager');
  });

  it('uses a role ARN from the facts when the bootstrap published a different one', () => {
    const dev = exampleCluster('dev');
    const arn = 'arn:aws:iam::111111111111:role/custom-cert-manager';
    const { values } = renderAddon(certManager, { overrides: { facts: { ...dev.facts, roleArns: { 'cert-manager': arn } } } });
    expect((values!.serviceAccount as any).annotations['eks.amazonaws.com/role-arn']).toBe(arn);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('is valid against the pinned chart values.schema.json (which forbids unknown keys)'), async () => {
    for (const cluster of ['dev', 'prod']) expect(await applicationHelmProblems(parse(render(cluster), APP(cluster)))).toEqual([]);
    // The check can fail: a misspelled key is rejected by the chart's schema.
    expect(await helmValuesProblems('cert-manager', 'v1.21.1', { crds: { enable: true } })).toContainEqual(
      expect.stringMatching(/^crds\.enable: unknown field .*\(values\.schema\.json of cert-manager v1\.21\.1\)$/),
    );
  });
});

describe('cert-manager Application', () => {
  it('is a multi-source Application at wave 60: the pinned OCI chart with server-side apply, then the issuers', () => {
    const app = parse(render('dev'), APP('dev'));
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('60');
    expect(app.spec.destination.namespace).toBe('cert-manager');
    const chart = chartSource(app);
    expect(chart).toMatchObject({ repoURL: 'oci://quay.io/jetstack/charts/cert-manager', path: '.', targetRevision: 'v1.21.1' });
    expect(app.spec.sources[1]).toEqual({ repoURL: 'https://github.com/example-org/platform-gitops.git', targetRevision: 'main', path: 'dist/dev/addons/cert-manager' });
    expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['ServerSideApply=true', 'SkipDryRunOnMissingResource=true']));
  });
});

describe('cert-manager ClusterIssuers', () => {
  it("renders Let's Encrypt staging and production in the custom-resource wave", () => {
    const rendered = render('prod');
    for (const [name, server] of Object.entries(ISSUERS)) {
      const issuer = parse(rendered, ISSUER(name));
      expect(issuer.metadata.name).toBe(name);
      expect(issuer.metadata).not.toHaveProperty('namespace');
      expect(issuer.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('10');
      expect(issuer.spec.acme.server).toBe(server);
      expect(issuer.spec.acme.privateKeySecretRef).toEqual({ name: `${name}-account-key` });
    }
    expect(ISSUERS['letsencrypt-staging']).toContain('acme-staging-v02');
    expect(ISSUERS['letsencrypt-production']).toBe('https://acme-v02.api.letsencrypt.org/directory');
  });

  it("solves DNS-01 in the cluster's Route 53 hosted zone and region, with the e-mail from config", () => {
    const dev = parse(render('dev'), ISSUER('letsencrypt-production'));
    expect(dev.spec.acme.email).toBe('platform-dev@example.com');
    expect(dev.spec.acme.solvers).toEqual([
      { selector: { dnsZones: ['dev.platform.example.com'] }, dns01: { route53: { region: 'eu-west-1', hostedZoneID: 'Z0DEV1234567890ABCDE' } } },
    ]);
    const prod = parse(render('prod'), ISSUER('letsencrypt-staging'));
    expect(prod.spec.acme.email).toBe('platform@example.com');
    expect(prod.spec.acme.solvers[0].dns01.route53).toEqual({ region: 'us-east-1', hostedZoneID: 'Z0PROD234567890ABCDE' });
    // Ambient IRSA credentials: no static keys, no role to assume.
    expect(prod.spec.acme.solvers[0].dns01.route53).not.toHaveProperty('accessKeyID');
  });

  it('leaves the ACME contact out when no e-mail is configured', () => {
    const { manifests } = renderAddon(certManager, { settings: { ...settings('dev'), email: undefined } });
    const issuer = manifests.find((m) => m.kind === 'ClusterIssuer' && m.metadata.name === 'letsencrypt-staging')!;
    expect(issuer.spec.acme.server).toBe(ISSUERS['letsencrypt-staging']);
    expect(issuer.spec.acme).not.toHaveProperty('email');
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('are valid against the pinned ClusterIssuer CRD (v1.21.1)'), async () => {
    for (const cluster of ['dev', 'prod']) {
      const rendered = render(cluster);
      expect(await schemaProblems(Object.keys(ISSUERS).map((name) => parse(rendered, ISSUER(name))))).toEqual([]);
    }
    // The check can fail: a misspelled solver field is rejected.
    const bad = parse(render('dev'), ISSUER('letsencrypt-staging'));
    bad.spec.acme.solvers[0].dns01.route53.hostedZoneId = 'Z1';
    expect(await schemaProblems([bad])).toEqual([expect.stringMatching(/^ClusterIssuer\/letsencrypt-staging: spec\.acme\.solvers\[0\]\.dns01\.route53\.hostedZoneId: unknown field/)]);
  });

  it('fails on an invalid e-mail, naming the file, key and value', () => {
    expect(renderAddon(certManager, { settings: { ...settings('dev'), email: 'platform-at-example' } }).errors).toContain(
      'clusters/dev.yaml: addons.cert-manager.email: got "platform-at-example" (string); allowed: an e-mail address such as "platform@example.com"',
    );
  });

  it('fails on replicas out of range', () => {
    expect(renderAddon(certManager, { cluster: 'prod', settings: { ...settings('prod'), replicas: 0 } }).errors).toContain('clusters/prod.yaml: addons.cert-manager.replicas: got 0 (number); allowed: a whole number >= 1 and <= 5');
  });
});
