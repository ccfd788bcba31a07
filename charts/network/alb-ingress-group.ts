/**
 * The shared ALB: one Ingress that creates the load balancer of an IngressGroup, so every other Ingress of the
 * cluster (they join the group through the default IngressClass) shares one ALB instead of paying for one each.
 * It owns the listeners (80 redirecting to 443), the TLS policy, the certificate, the tags and a default action
 * answering a fixed 404. Applications add only their host rules. The AWS Load Balancer Controller (alb-controller.ts)
 * provides the IngressClass; its IngressClassParams read this add-on's settings, so both always agree.
 */
import type { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Cluster } from '../../config/cluster.ts';
import { list, mapOf, optional, show, str, type Problem } from '../../config/schema.ts';
import { defineAddon, type AddonContext } from '../addon.ts';

/** Name of the IngressClass the controller provisions (the cluster's default class). */
export const ALB_INGRESS_CLASS = 'alb';

/** AWS limit for load balancer names. */
export const ALB_NAME_MAX = 32;

/** The current AWS-recommended policy: TLS 1.3 and 1.2 only, forward-secret ciphers. */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export type AlbScheme = 'internet-facing' | 'internal';

/**
 * The add-on's settings as the hooks get them: every fixed default is filled in from the `settings` schema below, its
 * one owner; the optional keys left are absent when not set, and resolveIngressGroup derives their defaults.
 */
export interface AlbIngressGroupProps {
  /** IngressGroup name (`alb.ingress.kubernetes.io/group.name`); every Ingress of the default class joins it. */
  readonly groupName: string;
  /** Load balancer name, at most 32 characters (AWS limit). @default "<cluster>-<groupName>" */
  readonly loadBalancerName?: string;
  /** `internet-facing` (public subnets) or `internal` (private subnets, reachable from the VPC and its peers). */
  readonly scheme: AlbScheme;
  /** ACM certificate ARN (same region as the cluster). @default none: the controller discovers ACM certificates by the Ingress hosts */
  readonly certificateArn?: string;
  /** TLS 1.3 security policy of the HTTPS listener. */
  readonly sslPolicy: string;
  /** DNS name external-dns points at the ALB (other names CNAME to it). @default "ingress.<dns.domain>" */
  readonly hostname?: string;
  /** Source CIDRs allowed to reach the listeners. @default all (0.0.0.0/0 for internet-facing, the VPC CIDR for internal) */
  readonly inboundCidrs?: string[];
  /** Extra AWS tags on the ALB, its listeners and target groups. */
  readonly tags: Record<string, string>;
}

/** The settings with defaults filled, for this add-on, the IngressClassParams and the Ingresses that join the group. */
export interface ResolvedIngressGroup {
  readonly groupName: string;
  readonly loadBalancerName: string;
  readonly scheme: AlbScheme;
  readonly certificateArn?: string;
  readonly sslPolicy: string;
  readonly hostname: string;
  readonly inboundCidrs: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export function resolveIngressGroup(cluster: Pick<Cluster, 'name' | 'environment' | 'dns'>, props: AlbIngressGroupProps): ResolvedIngressGroup {
  const { groupName, scheme, certificateArn, sslPolicy, tags } = props;
  return {
    groupName,
    // Derived from the cluster, so not a schema default.
    loadBalancerName: props.loadBalancerName ?? `${cluster.name}-${groupName}`,
    scheme,
    certificateArn,
    sslPolicy,
    hostname: props.hostname ?? `ingress.${cluster.dns.domain}`,
    // Absent: no restriction (see the interface).
    inboundCidrs: props.inboundCidrs ?? [],
    tags,
  };
}

/** The ingress group of a loaded cluster (its settings are parsed even when the add-on is disabled). */
export function clusterIngressGroup(cluster: Cluster): ResolvedIngressGroup {
  return resolveIngressGroup(cluster, cluster.addons['alb-ingress-group'].settings as unknown as AlbIngressGroupProps);
}

/**
 * Annotations an application Ingress needs to join the group: its rules go on the HTTPS listener (port 80 only
 * redirects), with IP targets. Scheme, TLS policy and certificate are the group's and are not repeated.
 */
export function groupMemberAnnotations(group: Pick<ResolvedIngressGroup, 'groupName'>): Record<string, string> {
  return {
    'alb.ingress.kubernetes.io/group.name': group.groupName,
    'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
    'alb.ingress.kubernetes.io/target-type': 'ip',
  };
}

/** Name of the fixed-response action (a "service" with port `use-annotation` in the Ingress). */
const NOT_FOUND_ACTION = 'fixed-404';

export function ingressGroupAnnotations(cluster: Pick<Cluster, 'name' | 'environment'>, group: ResolvedIngressGroup): Record<string, string> {
  const tags = { 'eks-platform/cluster': cluster.name, 'eks-platform/environment': cluster.environment, 'eks-platform/ingress-group': group.groupName, ...group.tags };
  return {
    ...groupMemberAnnotations(group),
    'alb.ingress.kubernetes.io/load-balancer-name': group.loadBalancerName,
    'alb.ingress.kubernetes.io/scheme': group.scheme,
    'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP":80},{"HTTPS":443}]',
    // Set once in the group, it applies to every Ingress in it: port 80 answers only with a redirect.
    'alb.ingress.kubernetes.io/ssl-redirect': '443',
    'alb.ingress.kubernetes.io/ssl-policy': group.sslPolicy,
    ...(group.certificateArn ? { 'alb.ingress.kubernetes.io/certificate-arn': group.certificateArn } : {}),
    ...(group.inboundCidrs.length > 0 ? { 'alb.ingress.kubernetes.io/inbound-cidrs': group.inboundCidrs.join(',') } : {}),
    // Requests with malformed headers are dropped at the ALB rather than passed to applications (request smuggling).
    'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
    [`alb.ingress.kubernetes.io/actions.${NOT_FOUND_ACTION}`]: JSON.stringify({
      type: 'fixed-response',
      fixedResponseConfig: { contentType: 'text/plain', statusCode: '404', messageBody: 'Not found' },
    }),
    'alb.ingress.kubernetes.io/tags': Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    'external-dns.alpha.kubernetes.io/hostname': group.hostname,
  };
}

const ALB_NAME = /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(?:-gov)?-[a-z]+-\d):\d{12}:certificate\/[0-9a-f-]{36}$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/([0-9]|[12][0-9]|3[0-2])$/;
const KEY = 'addons.alb-ingress-group';

export function validateIngressGroup(cluster: Cluster, props: AlbIngressGroupProps): Problem[] {
  const problems: Problem[] = [];
  const group = resolveIngressGroup(cluster, props);
  const name = group.loadBalancerName;
  const derived = props.loadBalancerName === undefined ? ` (derived as "<cluster>-<groupName>" from ${show(cluster.name)} and ${show(group.groupName)}; set ${KEY}.loadBalancerName)` : '';
  if (name.length > ALB_NAME_MAX) {
    problems.push({
      path: `${KEY}.loadBalancerName`,
      message: `got ${show(name)}, ${name.length} characters${derived}; allowed: at most ${ALB_NAME_MAX} characters (the AWS limit for load balancer names)`,
    });
  }
  if (!ALB_NAME.test(name)) {
    problems.push({
      path: `${KEY}.loadBalancerName`,
      message: `got ${show(name)}${derived}; allowed: letters, digits and "-", not starting or ending with "-" nor starting with "internal-"`,
    });
  }
  const region = group.certificateArn ? ACM_ARN.exec(group.certificateArn)?.[1] : undefined;
  if (region && region !== cluster.aws.region) {
    problems.push({
      path: `${KEY}.certificateArn`,
      message: `got a certificate in ${show(region)}; allowed: an ACM certificate in the cluster's region ${show(cluster.aws.region)} (an ALB only uses certificates of its own region)`,
    });
  }
  problems.push(...ingressHostProblems(cluster, group.hostname, `${KEY}.hostname`));
  return problems;
}

/**
 * Whether an Ingress host of the group can get a certificate. Without `certificateArn` the controller discovers ACM
 * certificates by the hosts of every Ingress in the group, and a `*.<dns.domain>` wildcard matches exactly one label
 * (RFC 6125 6.4.3); one host it cannot cover fails the discovery, and the whole group (every Ingress on the shared
 * ALB) stops reconciling. So, without an explicit ARN, each host must be `<one label>.<dns.domain>`.
 * Returns problems at `path` (a key path from the cluster file's root) naming the host and what is allowed.
 */
export function ingressHostProblems(cluster: Cluster, host: string, path: string): Problem[] {
  const domain = cluster.dns.domain;
  if (host !== domain && !host.endsWith(`.${domain}`)) {
    return [{ path, message: `got ${show(host)}; allowed: a name in the cluster's domain ${show(domain)} (external-dns only manages that zone)` }];
  }
  const label = host.slice(0, -domain.length - 1);
  if (clusterIngressGroup(cluster).certificateArn || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(label)) return [];
  return [
    {
      path,
      message:
        `got ${show(host)}, which a "*.${domain}" wildcard certificate does not cover, so certificate discovery fails for the whole ingress group; ` +
        `allowed: one label under ${show(domain)} (such as ${show(`ingress.${domain}`)}), or set ${KEY}.certificateArn to a certificate that covers it`,
    },
  ];
}

export const albIngressGroup = defineAddon<AlbIngressGroupProps>({
  id: 'alb-ingress-group',
  dependsOn: [{ id: 'alb-controller', reason: 'the IngressClass "alb" with its IngressClassParams, and the controller that builds the ALB from this Ingress' }],
  description: 'The shared ALB (IngressGroup) with HTTPS, redirect and a fixed 404 default',
  namespace: 'alb-ingress-group',
  settings: {
    groupName: str({ pattern: /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, patternText: 'an IngressGroup name (lowercase letters, digits, "-" and ".", at most 63 characters)', default: 'shared' }),
    loadBalancerName: optional(str({ pattern: ALB_NAME, patternText: `a load balancer name (letters, digits and "-")`, maxLength: ALB_NAME_MAX })),
    scheme: str({ oneOf: ['internet-facing', 'internal'] as const, default: 'internet-facing' }),
    certificateArn: optional(str({ pattern: ACM_ARN, patternText: 'an ACM certificate ARN such as "arn:aws:acm:eu-west-1:111111111111:certificate/<uuid>"' })),
    sslPolicy: str({ pattern: /^ELBSecurityPolicy-TLS13-[A-Za-z0-9-]+$/, patternText: `an ELB TLS 1.3 security policy such as ${show(DEFAULT_SSL_POLICY)}`, default: DEFAULT_SSL_POLICY }),
    hostname: optional(str({ pattern: /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, patternText: 'a lowercase DNS name' })),
    inboundCidrs: optional(list(str({ pattern: CIDR, patternText: 'an IPv4 CIDR such as "203.0.113.0/24"' }), { minItems: 1, unique: true })),
    tags: mapOf(str({ pattern: /^[\w .:/=+@-]{0,256}$/, patternText: 'an AWS tag value' }), { keyPattern: /^(?!aws:)[\w .:/=+@-]{1,128}$/, keyText: 'AWS tag keys (not starting with "aws:")' }),
  },
  validate: ({ cluster, settings }) => validateIngressGroup(cluster, settings),
  manifests: (scope: Chart, { cluster, settings }: AddonContext<AlbIngressGroupProps>) => {
    const group = resolveIngressGroup(cluster, settings);
    new k8s.KubeIngress(scope, 'ingress', {
      metadata: {
        name: group.groupName,
        namespace: 'alb-ingress-group',
        labels: { 'app.kubernetes.io/name': 'alb-ingress-group', 'app.kubernetes.io/part-of': 'eks-platform' },
        annotations: ingressGroupAnnotations(cluster, group),
      },
      spec: {
        ingressClassName: ALB_INGRESS_CLASS,
        // No rules: this Ingress only creates the ALB and answers every request no other Ingress claims.
        defaultBackend: { service: { name: NOT_FOUND_ACTION, port: { name: 'use-annotation' } } },
        // Without an ARN the controller finds an ACM certificate for these hosts (a wildcard certificate covers them all).
        ...(group.certificateArn ? {} : { tls: [{ hosts: [group.hostname] }] }),
      },
    });
  },
});
