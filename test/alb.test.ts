import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { WAVES } from '../charts/addon.ts';
import { albController, DEFAULT_CLASS_ANNOTATION } from '../charts/network/alb-controller.ts';
import { ALB_INGRESS_CLASS, albIngressGroup, DEFAULT_SSL_POLICY, resolveIngressGroup } from '../charts/network/alb-ingress-group.ts';
import type { RenderedCluster } from '../src/render.ts';
import { addonContext, configErrors, exampleCluster, fixtureCluster, parse, renderAddon, renderFixture as render, tempConfig, writeCluster } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, schemaProblems, UPSTREAM_MISSING } from './schema-helpers.ts';

const APP = (c: string) => `apps/application_argocd_${c}-alb-controller.yaml`;
const CLASS = 'addons/alb-controller/ingressclass_alb.yaml';
const PARAMS = 'addons/alb-controller/ingressclassparams_alb.yaml';
const GROUP = 'addons/alb-ingress-group/ingress_alb-ingress-group_shared.yaml';
const groupSettings = (cluster: string) => fixtureCluster(cluster).addons['alb-ingress-group'].settings;
/** addons.alb-ingress-group of `cluster` with `changes`: its problems and manifests, from the add-on's hooks in memory. */
const group = (cluster: string, changes: Record<string, unknown>) => renderAddon(albIngressGroup, { cluster, settings: { ...groupSettings(cluster), ...changes } });
const chartValues = (rendered: RenderedCluster, cluster: string) => parse(rendered, APP(cluster)).spec.sources.find((s: any) => s.helm).helm.valuesObject;

/** Every rendered object of a cluster. */
function objects(rendered: RenderedCluster): Record<string, any>[] {
  return [...rendered.files.entries()].filter(([path]) => path.endsWith('.yaml')).map(([, text]) => load(text) as Record<string, any>);
}

describe('alb-controller values', () => {
  it('sets cluster name, region and VPC explicitly per cluster (IMDSv2 hop limit 1)', () => {
    expect(chartValues(render('dev'), 'dev')).toMatchObject({ clusterName: 'dev', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f60001' });
    expect(chartValues(render('prod'), 'prod')).toMatchObject({ clusterName: 'prod', region: 'us-east-1', vpcId: 'vpc-0f1e2d3c4b5a60002' });
  });

  it('runs 2 replicas with a PodDisruptionBudget, requests and limits, restricted containers', () => {
    const values = chartValues(render('prod'), 'prod');
    expect(values.replicaCount).toBe(2);
    expect(values.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(values.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(values.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('uses the IRSA role and service account of the naming convention', () => {
    expect(chartValues(render('prod'), 'prod').serviceAccount).toEqual({
      create: true,
      name: 'aws-load-balancer-controller',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::222222222222:role/prod-alb-controller' },
    });
    const dev = exampleCluster('dev');
    const arn = 'arn:aws:iam::111111111111:role/imported-lbc';
    const { values } = renderAddon(albController, { overrides: { facts: { ...dev.facts, roleArns: { 'alb-controller': arn } } } });
    expect((values!.serviceAccount as any).annotations['eks.amazonaws.com/role-arn']).toBe(arn);
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('sets only keys that exist in the pinned chart values.yaml (3.5.0)'), async () => {
    for (const cluster of ['dev', 'prod']) expect(await applicationHelmProblems(parse(render(cluster), APP(cluster)))).toEqual([]);
    expect(await helmValuesProblems('aws-load-balancer-controller', '3.5.0', { ingressClassParam: {} })).toEqual([
      expect.stringMatching(/^ingressClassParam: chart aws-load-balancer-controller 3\.5\.0 has no value ingressClassParam /),
    ]);
  });

  it('pins the chart from eks-charts and ignores the webhook certificate the chart regenerates on every render', () => {
    const app = parse(render('dev'), APP('dev'));
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('70');
    expect(app.spec.destination.namespace).toBe('kube-system');
    expect(app.spec.sources[0]).toMatchObject({ repoURL: 'https://aws.github.io/eks-charts', chart: 'aws-load-balancer-controller', targetRevision: '3.5.0' });
    expect(app.spec.ignoreDifferences).toEqual([
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'aws-load-balancer-webhook', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'aws-load-balancer-webhook', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      { group: '', kind: 'Secret', name: 'aws-load-balancer-tls', namespace: 'kube-system', jsonPointers: ['/data'] },
    ]);
    expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });
});

describe('default IngressClass', () => {
  it('exactly one default IngressClass per cluster, rendered here and not by the chart', () => {
    for (const cluster of ['dev', 'prod']) {
      const rendered = render(cluster);
      const defaults = objects(rendered).filter((o) => o.kind === 'IngressClass' && o.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
      expect(defaults.map((o) => o.metadata.name)).toEqual([ALB_INGRESS_CLASS]);
      const values = chartValues(rendered, cluster);
      expect(values.createIngressClassResource).toBe(false);
      expect(values.ingressClassConfig).toEqual({ default: false });
      expect(values.ingressClassParams).toEqual({ create: false });
    }
  });

  it('points at its IngressClassParams: scheme, IngressGroup and TLS policy of the shared ALB', () => {
    const rendered = render('dev');
    const ingressClass = parse(rendered, CLASS);
    expect(ingressClass.spec).toEqual({ controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'alb' } });
    expect(ingressClass.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('11');
    const params = parse(rendered, PARAMS);
    expect(params.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('10');
    // dev admits only the office range: at class level, so no workload's Ingress can widen it (or, with its own
    // inbound-cidrs annotation, put the shared group in conflict and stop the ALB from reconciling).
    expect(params.spec).toEqual({ scheme: 'internet-facing', group: { name: 'shared' }, sslPolicy: DEFAULT_SSL_POLICY, inboundCIDRs: ['203.0.113.0/24'], targetType: 'ip' });
    expect(parse(render('prod'), PARAMS).spec.inboundCIDRs).toBeUndefined();
    // With a certificate ARN in config, every Ingress of the class uses it.
    expect(parse(render('prod'), PARAMS).spec.certificateArn).toEqual(['arn:aws:acm:us-east-1:222222222222:certificate/5f0c2b1e-8a3d-4c6e-9b7a-2d1e0f3c4b5a']);
  });

  it('follows the ingress group settings (internal scheme, own group name)', () => {
    const settings = { scheme: 'internal', groupName: 'private' };
    // The controller's IngressClassParams read the group's settings from the cluster.
    const { addons } = addonContext(albIngressGroup, { settings }).cluster;
    expect(parse(renderAddon(albController, { overrides: { addons } }), PARAMS).spec).toMatchObject({ scheme: 'internal', group: { name: 'private' } });
    expect(parse(renderAddon(albIngressGroup, { settings }), 'addons/alb-ingress-group/ingress_alb-ingress-group_private.yaml').metadata.annotations['alb.ingress.kubernetes.io/scheme']).toBe('internal');
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('IngressClassParams are valid against the pinned elbv2 CRD (v3.5.0)'), async () => {
    for (const cluster of ['dev', 'prod']) {
      const params = parse(render(cluster), PARAMS);
      expect(params.apiVersion).toBe('elbv2.k8s.aws/v1beta1');
      expect(await schemaProblems([params])).toEqual([]);
    }
    expect(await schemaProblems([{ apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name: 'bad' }, spec: { scheme: 'public' } }])).toEqual([
      expect.stringMatching(/^IngressClassParams\/bad: spec\.scheme: got "public"; allowed: /),
    ]);
  });
});

describe('alb-ingress-group', () => {
  it('creates the shared ALB: name, scheme, IP targets, 80→443 redirect, TLS 1.3 policy, tags, DNS name', () => {
    const ingress = parse(render('dev'), GROUP);
    expect(ingress.metadata.namespace).toBe('alb-ingress-group');
    const a = ingress.metadata.annotations;
    expect(a['alb.ingress.kubernetes.io/group.name']).toBe('shared');
    expect(a['alb.ingress.kubernetes.io/load-balancer-name']).toBe('dev-shared');
    expect(a['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
    expect(a['alb.ingress.kubernetes.io/target-type']).toBe('ip');
    expect(JSON.parse(a['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
    expect(a['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
    expect(a['alb.ingress.kubernetes.io/ssl-policy']).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(a['alb.ingress.kubernetes.io/inbound-cidrs']).toBe('203.0.113.0/24');
    expect(a['alb.ingress.kubernetes.io/tags']).toBe('eks-platform/cluster=dev,eks-platform/environment=dev,eks-platform/ingress-group=shared');
    expect(a['external-dns.alpha.kubernetes.io/hostname']).toBe('ingress.dev.platform.example.com');
  });

  it('answers unclaimed requests with a fixed 404 from the default backend', () => {
    const ingress = parse(render('dev'), GROUP);
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.spec.rules).toBeUndefined();
    expect(ingress.spec.defaultBackend).toEqual({ service: { name: 'fixed-404', port: { name: 'use-annotation' } } });
    expect(JSON.parse(ingress.metadata.annotations['alb.ingress.kubernetes.io/actions.fixed-404'])).toEqual({
      type: 'fixed-response',
      fixedResponseConfig: { contentType: 'text/plain', statusCode: '404', messageBody: 'Not found' },
    });
  });

  it('discovers the ACM certificate by host in dev and uses the configured ARN in prod', () => {
    const dev = parse(render('dev'), GROUP);
    expect(dev.metadata.annotations).not.toHaveProperty(['alb.ingress.kubernetes.io/certificate-arn']);
    expect(dev.spec.tls).toEqual([{ hosts: ['ingress.dev.platform.example.com'] }]);
    const prod = parse(render('prod'), GROUP);
    expect(prod.metadata.annotations['alb.ingress.kubernetes.io/certificate-arn']).toBe('arn:aws:acm:us-east-1:222222222222:certificate/5f0c2b1e-8a3d-4c6e-9b7a-2d1e0f3c4b5a');
    expect(prod.metadata.annotations['alb.ingress.kubernetes.io/tags']).toContain('CostCenter=platform');
    expect(prod.metadata.annotations).not.toHaveProperty(['alb.ingress.kubernetes.io/inbound-cidrs']);
    expect(prod.spec.tls).toBeUndefined();
  });

  it('renders the network Applications in the documented order after Reloader', () => {
    const rendered = render('prod');
    const ids = ['reloader', 'cert-manager', 'alb-controller', 'alb-ingress-group', 'external-dns', 'echo-server'];
    const waves = ids.map((id) => Number(parse(rendered, `apps/application_argocd_prod-${id}.yaml`).metadata.annotations['argocd.argoproj.io/sync-wave']));
    expect(waves).toEqual(ids.map((id) => WAVES[id as keyof typeof WAVES]));
    expect([...waves].sort((x, y) => x - y)).toEqual(waves);
    expect(new Set(waves).size).toBe(waves.length);
  });

  it('derives the load balancer name from cluster and group', () => {
    expect(resolveIngressGroup({ name: 'prod', environment: 'prod', dns: { domain: 'x.example.com', hostedZoneId: 'Z12345' } }, addonContext(albIngressGroup, { settings: {} }).settings).loadBalancerName).toBe('prod-shared');
  });

  it('fails when the derived load balancer name exceeds 32 characters, naming the key', () => {
    const dir = tempConfig();
    // A 23-character cluster name with a 10-character group: 34 characters.
    const text = readFileSync(join(dir, 'clusters', 'dev.yaml'), 'utf8').replace('name: dev', 'name: platform-dev-eu-west-1a').replace('inboundCidrs', 'groupName: public-web\n    inboundCidrs');
    writeCluster(dir, 'platform-dev-eu-west-1a', text);
    expect(configErrors(dir, ['platform-dev-eu-west-1a'])).toContain(
      'clusters/platform-dev-eu-west-1a.yaml: addons.alb-ingress-group.loadBalancerName: got "platform-dev-eu-west-1a-public-web", 34 characters (derived as "<cluster>-<groupName>" from "platform-dev-eu-west-1a" and "public-web"; set addons.alb-ingress-group.loadBalancerName); allowed: at most 32 characters (the AWS limit for load balancer names)',
    );
  });

  it('fails when an explicit load balancer name exceeds 32 characters', () => {
    expect(group('dev', { loadBalancerName: 'dev-shared-application-load-balancer' }).errors).toContain(
      'clusters/dev.yaml: addons.alb-ingress-group.loadBalancerName: got "dev-shared-application-load-balancer" (string); allowed: a load balancer name (letters, digits and "-") of at most 32 characters',
    );
  });

  it('fails on a load balancer name starting with "internal-"', () => {
    expect(group('dev', { loadBalancerName: 'internal-dev' }).errors).toContain(
      'clusters/dev.yaml: addons.alb-ingress-group.loadBalancerName: got "internal-dev" (string); allowed: a load balancer name (letters, digits and "-") of at most 32 characters',
    );
  });

  it('fails on a certificate from another region', () => {
    expect(group('prod', { certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/5f0c2b1e-8a3d-4c6e-9b7a-2d1e0f3c4b5a' }).errors).toContain(
      'clusters/prod.yaml: addons.alb-ingress-group.certificateArn: got a certificate in "eu-west-1"; allowed: an ACM certificate in the cluster\'s region "us-east-1" (an ALB only uses certificates of its own region)',
    );
  });

  it('fails on a certificate ARN that is not from ACM', () => {
    expect(group('prod', { certificateArn: 'arn:aws:iam::222222222222:server-certificate/web' }).errors.join('\n')).toContain('clusters/prod.yaml: addons.alb-ingress-group.certificateArn: got "arn:aws:iam::222222222222:server-certificate/web" (string); allowed: an ACM certificate ARN');
  });

  it('fails on a hostname outside the cluster domain', () => {
    expect(group('dev', { hostname: 'ingress.example.org' }).errors).toContain(
      'clusters/dev.yaml: addons.alb-ingress-group.hostname: got "ingress.example.org"; allowed: a name in the cluster\'s domain "dev.platform.example.com" (external-dns only manages that zone)',
    );
  });

  it('rejects at load a host deeper than one label under the domain: a *.<domain> certificate cannot cover it', () => {
    expect(group('dev', { hostname: 'ingress.eu.dev.platform.example.com' }).errors).toEqual([
      'clusters/dev.yaml: addons.alb-ingress-group.hostname: got "ingress.eu.dev.platform.example.com", which a "*.dev.platform.example.com" wildcard certificate does not cover, ' +
        'so certificate discovery fails for the whole ingress group; allowed: one label under "dev.platform.example.com" (such as "ingress.dev.platform.example.com"), ' +
        'or set addons.alb-ingress-group.certificateArn to a certificate that covers it',
    ]);
  });

  it('accepts a deeper host with an explicit certificateArn (no discovery)', () => {
    const ingress = parse(group('prod', { hostname: 'ingress.eu.platform.example.com' }), GROUP);
    expect(ingress.metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe('ingress.eu.platform.example.com');
    expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/certificate-arn']).toMatch(/^arn:aws:acm:/);
  });

  it('renders only Ingress hosts one label under the domain when certificates are discovered', () => {
    const rendered = render('dev');
    const hosts = [...rendered.files.keys()]
      .filter((path) => path.includes('/ingress_'))
      .flatMap((path) => {
        const spec = parse(rendered, path).spec;
        return [...(spec.rules ?? []).map((r: { host: string }) => r.host), ...(spec.tls ?? []).flatMap((t: { hosts: string[] }) => t.hosts)];
      });
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    for (const host of hosts) expect(host).toMatch(/^[a-z0-9-]+\.dev\.platform\.example\.com$/);
  });

  it('fails on an SSL policy without TLS 1.3', () => {
    expect(group('dev', { sslPolicy: 'ELBSecurityPolicy-2016-08' }).errors).toContain(
      'clusters/dev.yaml: addons.alb-ingress-group.sslPolicy: got "ELBSecurityPolicy-2016-08" (string); allowed: an ELB TLS 1.3 security policy such as "ELBSecurityPolicy-TLS13-1-2-2021-06"',
    );
  });

  it('fails on an unknown scheme and a bad CIDR', () => {
    const { errors } = group('dev', { scheme: 'public', inboundCidrs: ['10.0.0.0/33'] });
    expect(errors).toContain('clusters/dev.yaml: addons.alb-ingress-group.scheme: got "public" (string); allowed: one of "internet-facing", "internal"');
    expect(errors).toContain('clusters/dev.yaml: addons.alb-ingress-group.inboundCidrs[0]: got "10.0.0.0/33" (string); allowed: an IPv4 CIDR such as "203.0.113.0/24"');
  });
});
