/**
 * AWS Load Balancer Controller: turns Ingresses into ALBs (and Services of type LoadBalancer into NLBs).
 * Chart: aws-load-balancer-controller 3.5.0 from https://aws.github.io/eks-charts (values checked against its values.yaml).
 *
 * The cluster's one default IngressClass (`alb`) and its IngressClassParams are rendered here as objects, not by the
 * chart: the chart's own copy is created before the controller's webhook can validate it (its values.yaml says so),
 * while ours sync in a later resource-level wave, once the controller is Healthy. The chart's class is turned off.
 */
import type { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IngressClassParams, IngressClassParamsSpecScheme, IngressClassParamsSpecTargetType } from '../../imports/elbv2-ingressclassparams-elbv2.k8s.aws.ts';
import { SYNC_WAVE } from '../../config/labels.ts';
import { int, str } from '../../config/schema.ts';
import { SERVICE_ACCOUNTS } from '../../config/naming.ts';
import type { Cluster } from '../../config/cluster.ts';
import { CUSTOM_RESOURCE_WAVE, defineAddon, NEEDS_NODES, type IgnoreDifference } from '../addon.ts';
import { CLUSTER_RBAC, CRD, irsaServiceAccount, MUTATING_WEBHOOK, RESTRICTED_CONTAINER, VALIDATING_WEBHOOK, zoneSpread } from '../common.ts';
import { ALB_INGRESS_CLASS, clusterIngressGroup, type ResolvedIngressGroup } from './alb-ingress-group.ts';

/** The controller's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface AlbControllerProps {
  /** Replicas (one leads, the others serve the webhooks); with 2 or more a PodDisruptionBudget keeps one up. */
  readonly replicas: number;
  /** Controller log level. */
  readonly logLevel: 'info' | 'debug';
}

const NAME = 'aws-load-balancer-controller';
const SA = SERVICE_ACCOUNTS['alb-controller'];
/** The chart names its webhook objects and TLS Secret with the chart name minus "-controller". */
const WEBHOOK = 'aws-load-balancer-webhook';
const WEBHOOK_TLS_SECRET = 'aws-load-balancer-tls';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function albControllerValues(cluster: Cluster, props: AlbControllerProps): Record<string, unknown> {
  const { replicas } = props;
  const group = clusterIngressGroup(cluster);
  return {
    // Set explicitly: the nodes require IMDSv2 with a hop limit of 1, so pods cannot ask the metadata service.
    clusterName: cluster.name,
    region: cluster.aws.region,
    vpcId: cluster.network.vpcId,
    replicaCount: replicas,
    // The chart renders it only when replicaCount > 1.
    podDisruptionBudget: { maxUnavailable: 1 },
    serviceAccount: irsaServiceAccount(cluster, 'alb-controller'),
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    securityContext: { ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'] } },
    topologySpreadConstraints: zoneSpread({ 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME }),
    logLevel: props.logLevel,
    // The controller handles class `alb`; the class object itself is rendered by this add-on (see the file comment).
    ingressClass: ALB_INGRESS_CLASS,
    createIngressClassResource: false,
    ingressClassParams: { create: false },
    ingressClassConfig: { default: false },
    // VPC CNI gives pods VPC addresses, so targets are pods (no NodePort hop); TLS policy as the ingress group's.
    defaultTargetType: 'ip',
    defaultSSLPolicy: group.sslPolicy,
    defaultTags: { 'eks-platform/cluster': cluster.name },
    // Shield Advanced protections cannot be scoped to this cluster's load balancers in IAM, so the role has no
    // shield: permissions (bootstrap/iam/alb-controller.ts) and the controller must not try.
    enableShield: false,
  };
}

/** The default IngressClass and its parameters: scheme, IngressGroup, TLS policy (and certificate) of the shared ALB. */
export function renderIngressClass(scope: Chart, group: ResolvedIngressGroup): void {
  new IngressClassParams(scope, 'ingress-class-params', {
    metadata: { name: ALB_INGRESS_CLASS, labels: { 'app.kubernetes.io/part-of': 'eks-platform' } },
    spec: {
      scheme: group.scheme === 'internal' ? IngressClassParamsSpecScheme.INTERNAL : IngressClassParamsSpecScheme.INTERNET_HYPHEN_FACING,
      group: { name: group.groupName },
      sslPolicy: group.sslPolicy,
      // For every Ingress of the class: without it each one would look up an ACM certificate for its own hosts.
      ...(group.certificateArn ? { certificateArn: [group.certificateArn] } : {}),
      // Class-level, so an Ingress of a workload namespace cannot override it with its own `inbound-cidrs` annotation
      // (which would also put the group in conflict and stop the whole shared ALB from reconciling).
      ...(group.inboundCidrs.length > 0 ? { inboundCidRs: [...group.inboundCidrs] } : {}),
      targetType: IngressClassParamsSpecTargetType.IP,
    },
  });
  new k8s.KubeIngressClass(scope, 'ingress-class', {
    metadata: {
      name: ALB_INGRESS_CLASS,
      labels: { 'app.kubernetes.io/part-of': 'eks-platform' },
      // After its parameters (within a wave Argo CD applies built-in kinds first): an Ingress admitted in between
      // would get the controller's defaults.
      annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true', [SYNC_WAVE]: String(Number(CUSTOM_RESOURCE_WAVE) + 1) },
    },
    spec: {
      controller: 'ingress.k8s.aws/alb',
      parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: ALB_INGRESS_CLASS },
    },
  });
}

/**
 * The chart generates a new CA and webhook certificate on every render (Helm `genCA`; Argo CD cannot use the
 * chart's `lookup` to keep the old one). Ignoring them, with RespectIgnoreDifferences, keeps the pair created at
 * install (valid 10 years) instead of showing OutOfSync forever or rotating the CA under running webhooks.
 */
export function albControllerIgnoreDifferences(): IgnoreDifference[] {
  const caBundle = ['.webhooks[]?.clientConfig.caBundle'];
  return [
    { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: WEBHOOK, jqPathExpressions: caBundle },
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: WEBHOOK, jqPathExpressions: caBundle },
    { group: '', kind: 'Secret', name: WEBHOOK_TLS_SECRET, namespace: SA.namespace, jsonPointers: ['/data'] },
  ];
}

export const albController = defineAddon<AlbControllerProps>({
  id: 'alb-controller',
  dependsOn: [NEEDS_NODES],
  description: 'AWS Load Balancer Controller: ALBs for Ingresses, NLBs for Services, and the default IngressClass',
  namespace: SA.namespace,
  irsa: { controller: 'alb-controller', valuesPath: ['serviceAccount'] },
  chart: { repoURL: 'https://aws.github.io/eks-charts', chart: NAME, version: '3.5.0', releaseName: NAME },
  settings: {
    replicas: int({ min: 1, max: 5, default: 2 }),
    logLevel: str({ oneOf: ['info', 'debug'] as const, default: 'info' }),
  },
  chartClusterKinds: [
    CRD,
    ...CLUSTER_RBAC,
    MUTATING_WEBHOOK,
    VALIDATING_WEBHOOK,
  ],
  values: ({ cluster, settings }) => albControllerValues(cluster, settings),
  manifests: (scope, { cluster }) => renderIngressClass(scope, clusterIngressGroup(cluster)),
  ignoreDifferences: () => albControllerIgnoreDifferences(),
});
