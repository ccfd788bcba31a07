/**
 * echo-server: answers every request with the request itself as JSON, at `https://echo.<cluster domain>`. Reaching
 * it from outside proves the whole network path: external-dns published the name, the shared ALB (alb-ingress-group)
 * terminates TLS with the ACM certificate, and the AWS Load Balancer Controller serves the default IngressClass.
 * It also reads `ECHO_MESSAGE` from the Secret `echo-server-config` that External Secrets creates later (wave 120):
 * the key is optional so the pods start without it, and Reloader restarts them when the Secret appears.
 */
import { ApiObject, Duration, JsonPatch, Size, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { int, str } from '../../config/schema.ts';
import type { Cluster } from '../../config/cluster.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { ALB_INGRESS_CLASS, clusterIngressGroup, groupMemberAnnotations, ingressHostProblems } from './alb-ingress-group.ts';

/** echo-server's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface EchoServerProps {
  /** Replicas; with 2 or more a PodDisruptionBudget keeps one serving during node drains. */
  readonly replicas: number;
  /** Image, pinned by tag and digest. */
  readonly image: string;
}

export const NAMESPACE = 'echo-server';
const NAME = 'echo-server';
/** Secret the external-secrets-operator add-on creates (key `message`); the contract with that add-on. */
export const CONFIG_SECRET = 'echo-server-config';
// Digest as published for 0.9.2 in public manifests; not verifiable offline (see docs/network.md).
export const DEFAULT_IMAGE = 'docker.io/ealen/echo-server:0.9.2@sha256:006b92e1d6682442e29d1d0d73c34a61166d42f8a5bf1ea10c318f07ad4790e2';
/** Unprivileged port (the image listens on $PORT) and a fixed non-root identity. */
const PORT = 8080;
const UID = 10001;
/** The image answers /ping like any path; probes use it and its log lines are suppressed. */
export const HEALTH_PATH = '/ping';

export function echoHost(cluster: Pick<Cluster, 'dns'>): string {
  return `echo.${cluster.dns.domain}`;
}

export function renderEchoServer(scope: Chart, cluster: Cluster, props: EchoServerProps): void {
  const { replicas } = props;
  const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'eks-platform' };
  const selector = { 'app.kubernetes.io/name': NAME };

  const deployment = new kplus.Deployment(scope, 'deployment', {
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels,
      // Restart when the Secret appears or changes (env values are read only at container start).
      annotations: { 'secret.reloader.stakater.com/reload': CONFIG_SECRET },
    },
    replicas,
    // Explicit, readable selector labels instead of cdk8s-plus's hashed `cdk8s.io/metadata.addr`.
    select: false,
    podMetadata: { labels },
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: UID, group: UID, fsGroup: UID },
    containers: [
      {
        name: NAME,
        image: props.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ name: 'http', number: PORT }],
        envVariables: {
          PORT: kplus.EnvValue.fromValue(String(PORT)),
          LOGS__IGNORE__PING: kplus.EnvValue.fromValue('true'),
          ECHO_MESSAGE: kplus.EnvValue.fromSecretValue(
            { secret: kplus.Secret.fromSecretName(scope, 'config-secret', CONFIG_SECRET), key: 'message' },
            { optional: true },
          ),
        },
        securityContext: {
          ensureNonRoot: true,
          user: UID,
          group: UID,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
        // A Node.js echo server: ~40 MiB resident at rest; the limit leaves room for bursts of large requests.
        resources: {
          cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
        readiness: kplus.Probe.fromHttpGet(HEALTH_PATH, { port: PORT, periodSeconds: Duration.seconds(5), failureThreshold: 2 }),
        liveness: kplus.Probe.fromHttpGet(HEALTH_PATH, { port: PORT, initialDelaySeconds: Duration.seconds(5), periodSeconds: Duration.seconds(10), failureThreshold: 3 }),
      },
    ],
  });
  const patch = ApiObject.of(deployment);
  patch.addJsonPatch(JsonPatch.add('/spec/selector', { matchLabels: selector }));
  // cdk8s-plus labels the pod template with a hashed construct address even without `select`; nothing uses it.
  patch.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
  patch.addJsonPatch(
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      // Zones first (an AZ outage), then nodes; best effort so a small cluster can still schedule both replicas.
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    ]),
  );

  const service = new kplus.Service(scope, 'service', {
    metadata: { name: NAME, namespace: NAMESPACE, labels },
    ports: [{ name: 'http', port: 80, targetPort: PORT }],
  });
  service.selectLabel('app.kubernetes.io/name', NAME);

  const group = clusterIngressGroup(cluster);
  new kplus.Ingress(scope, 'ingress', {
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels,
      annotations: {
        ...groupMemberAnnotations(group),
        'alb.ingress.kubernetes.io/healthcheck-path': HEALTH_PATH,
      },
    },
    className: ALB_INGRESS_CLASS,
    rules: [{ host: echoHost(cluster), path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(service, { port: 80 }) }],
  });

  if (replicas > 1) {
    new kplus.k8s.KubePodDisruptionBudget(scope, 'pdb', {
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      spec: { minAvailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
  }
}

export const echoServer = defineAddon<EchoServerProps>({
  id: 'echo-server',
  dependsOn: [NEEDS_NODES, { id: 'alb-ingress-group', reason: 'the shared ALB its Ingress joins' }, { id: 'alb-controller', reason: 'the IngressClass "alb" of its Ingress' }, { id: 'external-dns', reason: 'publishes echo.<domain> in Route 53' }, { id: 'reloader', reason: 'restarts the pods when the Secret echo-server-config changes', optional: 'without it a changed message shows after the next restart of the pods' }, { id: 'external-secrets-operator', reason: 'creates the Secret echo-server-config that ECHO_MESSAGE reads', soft: 'the Secret key is optional, so the pods start and serve without it; Reloader restarts them when the Secret appears' }],
  description: 'Echoes requests as JSON at echo.<domain>: proves DNS, TLS, the ALB and its controller end to end',
  namespace: NAMESPACE,
  settings: {
    replicas: int({ min: 1, max: 10, default: 2 }),
    image: str({ default: DEFAULT_IMAGE, pattern: /^[\w.-]+(\.[\w.-]+)*(:\d+)?(\/[\w.-]+)+:[\w.-]+@sha256:[0-9a-f]{64}$/, patternText: 'an image pinned by tag and digest, such as "repo/name:1.2.3@sha256:<64 hex>"' }),
  },
  // Its Ingress joins the shared group: a host the group's certificate cannot cover would stop the whole group.
  validate: ({ cluster }) => ingressHostProblems(cluster, echoHost(cluster), 'dns.domain'),
  manifests: (scope, { cluster, settings }) => renderEchoServer(scope, cluster, settings),
});
