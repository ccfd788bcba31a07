import { describe, expect, it } from 'vitest';
import { CONFIG_SECRET, DEFAULT_IMAGE, echoServer, HEALTH_PATH } from '../charts/network/echo-server.ts';
import { fixtureCluster, parse, renderAddon, renderFixture as render } from './helpers.ts';
import { needsUpstream, schemaProblems, UPSTREAM_MISSING } from './schema-helpers.ts';

const DIR = 'addons/echo-server';
const DEPLOYMENT = `${DIR}/deployment_echo-server_echo-server.yaml`;
const SERVICE = `${DIR}/service_echo-server_echo-server.yaml`;
const INGRESS = `${DIR}/ingress_echo-server_echo-server.yaml`;
const PDB = `${DIR}/poddisruptionbudget_echo-server_echo-server.yaml`;
/** Built-in kinds the network add-ons render (custom resources among them are checked too). */
const BUILT_IN = new Set(['Deployment', 'Service', 'Ingress', 'IngressClass', 'PodDisruptionBudget']);
const settings = (cluster: string) => fixtureCluster(cluster).addons['echo-server'].settings;

describe('echo-server', () => {
  it('runs the pinned image (tag and digest) in namespace echo-server with explicit, readable labels', () => {
    const deployment = parse(render('prod'), DEPLOYMENT);
    expect(deployment.metadata).toMatchObject({ name: 'echo-server', namespace: 'echo-server' });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe(DEFAULT_IMAGE);
    expect(container.image).toMatch(/^docker\.io\/ealen\/echo-server:0\.9\.2@sha256:[0-9a-f]{64}$/);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'echo-server' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'echo-server', 'app.kubernetes.io/part-of': 'eks-platform' });
    expect(JSON.stringify(deployment)).not.toContain('cdk8s.io/metadata.addr');
  });

  it('is hardened: non-root fixed UID on an unprivileged port, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    const pod = parse(render('dev'), DEPLOYMENT).spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
    expect(pod.automountServiceAccountToken).toBe(false);
    const container = pod.containers[0];
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(container.env).toContainEqual({ name: 'PORT', value: '8080' });
  });

  it('is sized for an echo server, not with cdk8s-plus defaults', () => {
    const container = parse(render('dev'), DEPLOYMENT).spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
  });

  it('probes readiness and liveness on the health path', () => {
    const container = parse(render('dev'), DEPLOYMENT).spec.template.spec.containers[0];
    expect(HEALTH_PATH).toBe('/ping');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ping', port: 8080, scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/ping', port: 8080, scheme: 'HTTP' });
  });

  it('reads ECHO_MESSAGE from the optional Secret and is restarted by Reloader when it changes', () => {
    const deployment = parse(render('dev'), DEPLOYMENT);
    expect(CONFIG_SECRET).toBe('echo-server-config');
    expect(deployment.metadata.annotations['secret.reloader.stakater.com/reload']).toBe('echo-server-config');
    expect(deployment.spec.template.spec.containers[0].env).toContainEqual({
      name: 'ECHO_MESSAGE',
      valueFrom: { secretKeyRef: { name: 'echo-server-config', key: 'message', optional: true } },
    });
  });

  it('runs 3 replicas in prod with a PodDisruptionBudget and zone/node spread; 1 in dev without a budget', () => {
    const prod = render('prod');
    const deployment = parse(prod, DEPLOYMENT);
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.labelSelector.matchLabels])).toEqual([
      ['topology.kubernetes.io/zone', { 'app.kubernetes.io/name': 'echo-server' }],
      ['kubernetes.io/hostname', { 'app.kubernetes.io/name': 'echo-server' }],
    ]);
    expect(parse(prod, PDB).spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'echo-server' } } });
    const dev = render('dev');
    expect(parse(dev, DEPLOYMENT).spec.replicas).toBe(1);
    expect(dev.files.has(PDB)).toBe(false);
  });

  it('is served at echo.<domain> through the default class and the shared ingress group, on HTTPS only', () => {
    const rendered = render('dev');
    const service = parse(rendered, SERVICE);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'echo-server' });
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    const ingress = parse(rendered, INGRESS);
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.spec.rules).toEqual([
      { host: 'echo.dev.platform.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo-server', port: { number: 80 } } } }] } },
    ]);
    expect(ingress.metadata.annotations).toEqual({
      'alb.ingress.kubernetes.io/group.name': 'shared',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/ping',
    });
    expect(parse(render('prod'), INGRESS).spec.rules[0].host).toBe('echo.platform.example.com');
  });

  it('is a plain-manifest Application at wave 100 synced from its dist folder', () => {
    const app = parse(render('prod'), 'apps/application_argocd_prod-echo-server.yaml');
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('100');
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/example-org/platform-gitops.git', targetRevision: 'release', path: 'dist/prod/addons/echo-server' });
    expect(app.spec.destination.namespace).toBe('echo-server');
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('renders network objects valid against the pinned Kubernetes schemas (1.28 and 1.36)'), async () => {
    for (const version of ['v1.28.0', 'v1.36.0']) {
      for (const cluster of ['dev', 'prod']) {
        const rendered = render(cluster);
        const paths = [...rendered.files.keys()].filter((p) => /^addons\/(echo-server|alb-ingress-group|alb-controller)\//.test(p));
        const objects = paths.map((p) => parse(rendered, p));
        expect(objects.filter((o) => BUILT_IN.has(o.kind)).length).toBeGreaterThanOrEqual(cluster === 'prod' ? 6 : 5);
        expect(await schemaProblems(objects, [version]), `${version} ${cluster}`).toEqual([]);
      }
      // The check can fail: a misspelled field is rejected.
      const bad = parse(render('dev'), DEPLOYMENT);
      bad.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
      expect(await schemaProblems([bad], [version])).toEqual([
        expect.stringMatching(/^Deployment\/echo-server\/echo-server: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFileSystem: unknown field/),
      ]);
    }
  });

  it('accepts another image pinned by tag and digest', () => {
    const image = `ghcr.io/example-org/echo:1.2.3@sha256:${'a'.repeat(64)}`;
    const { errors, manifests } = renderAddon(echoServer, { settings: { ...settings('dev'), image } });
    expect(errors).toEqual([]);
    expect(manifests.find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].image).toBe(image);
  });

  it('fails on an image without a digest', () => {
    expect(renderAddon(echoServer, { settings: { ...settings('dev'), image: 'ealen/echo-server:latest' } }).errors).toContain(
      'clusters/dev.yaml: addons.echo-server.image: got "ealen/echo-server:latest" (string); allowed: an image pinned by tag and digest, such as "repo/name:1.2.3@sha256:<64 hex>"',
    );
  });

  it('fails on replicas out of range', () => {
    expect(renderAddon(echoServer, { cluster: 'prod', settings: { ...settings('prod'), replicas: 0 } }).errors).toContain('clusters/prod.yaml: addons.echo-server.replicas: got 0 (number); allowed: a whole number >= 1 and <= 10');
  });
});
