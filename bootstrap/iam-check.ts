/**
 * Lint for the IAM documents of a bootstrap template: no wildcard actions in Allow statements, `Resource: "*"` in
 * identity policies only for the actions of WILDCARD_RESOURCE_ALLOWED, and every web-identity trust policy scoped to
 * exactly one Kubernetes service account with the STS audience.
 */
import type { PolicyDocument, PolicyStatement } from './cfn.ts';

export interface PolicyRef {
  /** Where the document is, e.g. `Resources.KarpenterRole.Properties.AssumeRolePolicyDocument`. */
  readonly path: string;
  readonly kind: 'trust' | 'identity' | 'resource';
  readonly resourceId: string;
  readonly document: PolicyDocument;
}

export interface IamProblem {
  readonly path: string;
  readonly message: string;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A document as written, or one passed through `Fn::Sub` as a JSON string (placeholders sit inside strings). */
function parseDocument(value: unknown): PolicyDocument | undefined {
  if (isMap(value) && 'Fn::Sub' in value) {
    const arg = value['Fn::Sub'];
    const text = Array.isArray(arg) ? arg[0] : arg;
    return typeof text === 'string' ? (JSON.parse(text) as PolicyDocument) : undefined;
  }
  return isMap(value) && Array.isArray(value.Statement) ? (value as unknown as PolicyDocument) : undefined;
}

/** Every IAM document in the template: role trust and inline policies, queue policies and key policies. */
export function policiesOf(template: { Resources: Readonly<Record<string, { Type: string; Properties: Readonly<Json> }>> }): PolicyRef[] {
  const out: PolicyRef[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const base = `Resources.${id}.Properties`;
    const push = (path: string, kind: PolicyRef['kind'], value: unknown) => {
      const document = parseDocument(value);
      if (document) out.push({ path, kind, resourceId: id, document });
    };
    if (r.Type === 'AWS::IAM::Role') {
      push(`${base}.AssumeRolePolicyDocument`, 'trust', r.Properties.AssumeRolePolicyDocument);
      ((r.Properties.Policies as Json[] | undefined) ?? []).forEach((p, i) => push(`${base}.Policies[${i}].PolicyDocument`, 'identity', p.PolicyDocument));
    }
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') push(`${base}.PolicyDocument`, 'identity', r.Properties.PolicyDocument);
    if (r.Type === 'AWS::SQS::QueuePolicy') push(`${base}.PolicyDocument`, 'resource', r.Properties.PolicyDocument);
    if (r.Type === 'AWS::KMS::Key') push(`${base}.KeyPolicy`, 'resource', r.Properties.KeyPolicy);
  }
  return out;
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] => (v === undefined ? [] : Array.isArray(v) ? (v as readonly T[]) : [v as T]);

/** `*`, `service:*` or any action with a wildcard. Deny statements may use them: denying broadly is safe. */
export function wildcardActions(statement: PolicyStatement): string[] {
  if (statement.Effect !== 'Allow') return [];
  return list(statement.Action).filter((a) => a.includes('*') || a.includes('?'));
}

const READ_ONLY = 'read-only, and the action has no resource-level permissions (service authorization reference)';

/**
 * The only actions an identity policy may allow on `Resource: "*"`, each with its reason: reads the service cannot
 * scope to a resource, or writes that take effect only together with a permission scoped to this cluster.
 */
export const WILDCARD_RESOURCE_ALLOWED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    [
      'ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeCapacityReservations',
      'ec2:DescribeCoipPools', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstanceTypeOfferings',
      'ec2:DescribeInstanceTypes', 'ec2:DescribeInternetGateways', 'ec2:DescribeIpamPools', 'ec2:DescribeLaunchTemplates',
      'ec2:DescribeNetworkInterfaces', 'ec2:DescribePlacementGroups', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups',
      'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets', 'ec2:DescribeTags', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeVpcs',
      'ec2:GetCoipPoolUsage', 'ec2:GetSecurityGroupsForVpc',
      'elasticloadbalancing:DescribeCapacityReservation', 'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeListenerCertificates',
      'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeSSLPolicies', 'elasticloadbalancing:DescribeTags',
      'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
      'elasticloadbalancing:DescribeTrustStores',
      'elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems', 'elasticfilesystem:DescribeMountTargets',
      'route53:ListHostedZones', 'route53:ListHostedZonesByName', 'pricing:GetProducts', 'iam:ListInstanceProfiles', 'iam:ListServerCertificates',
      'acm:ListCertificates', 'waf-regional:GetWebACLForResource', 'wafv2:GetWebACLForResource',
    ].map((a) => [a, READ_ONLY]),
  ),
  // Reads of objects named in Ingress annotations (certificates, user pools, web ACLs), which can live anywhere in the account.
  ...Object.fromEntries(
    ['acm:DescribeCertificate', 'iam:GetServerCertificate', 'cognito-idp:DescribeUserPoolClient', 'waf-regional:GetWebACL', 'wafv2:GetWebACL'].map((a) => [
      a,
      'read-only: the ALB controller reads the certificate, user pool or web ACL an Ingress names, wherever it is in the account',
    ]),
  ),
  ...Object.fromEntries(
    ['waf-regional:AssociateWebACL', 'waf-regional:DisassociateWebACL', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'].map((a) => [
      a,
      "changes an ALB only together with elasticloadbalancing:SetWebAcl on it, which is conditioned on this cluster's elbv2.k8s.aws/cluster tag",
    ]),
  ),
  'arc-zonal-shift:GetManagedResource': 'read-only; takes no resource ARN, conditioned on arc-zonal-shift:ResourceIdentifier = this cluster',
};

/** Actions of an Allow statement on `Resource: "*"` that WILDCARD_RESOURCE_ALLOWED does not list. */
export function unlistedWildcardResourceActions(statement: PolicyStatement): string[] {
  if (statement.Effect !== 'Allow' || !list(statement.Resource as string | string[] | undefined).includes('*')) return [];
  return list(statement.Action).filter((a) => !(a in WILDCARD_RESOURCE_ALLOWED));
}

/** The one service account a web-identity trust policy admits, or a reason it is not scoped to exactly one. */
export function trustedServiceAccount(document: PolicyDocument): { readonly subject?: string; readonly problem?: string } {
  const statements = document.Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).includes('sts:AssumeRoleWithWebIdentity'));
  if (statements.length !== 1) return { problem: `expected exactly one web-identity statement, got ${statements.length}` };
  const s = statements[0];
  const conditions = s.Condition ?? {};
  const operators = Object.keys(conditions);
  if (operators.length !== 1 || operators[0] !== 'StringEquals') return { problem: `conditions must be StringEquals only (got ${operators.join(', ') || 'none'})` };
  const entries = Object.entries(conditions.StringEquals);
  const subs = entries.filter(([k]) => k.endsWith(':sub'));
  const auds = entries.filter(([k]) => k.endsWith(':aud'));
  if (subs.length !== 1) return { problem: `expected one :sub condition, got ${subs.length}` };
  const subject = subs[0][1];
  if (typeof subject !== 'string' || !/^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$/.test(subject)) {
    return { problem: `the :sub condition must name one service account, got ${JSON.stringify(subject)}` };
  }
  if (auds.length !== 1 || auds[0][1] !== 'sts.amazonaws.com') return { problem: 'the :aud condition must be "sts.amazonaws.com"' };
  return { subject };
}

export function iamProblems(policies: readonly PolicyRef[]): IamProblem[] {
  const problems: IamProblem[] = [];
  for (const p of policies) {
    p.document.Statement.forEach((s, i) => {
      const wild = wildcardActions(s);
      if (wild.length > 0) problems.push({ path: `${p.path}.Statement[${i}]`, message: `wildcard actions ${wild.join(', ')}; allowed: explicit actions only` });
      // In a resource policy (KMS key policy) "*" means the resource itself.
      const unlisted = p.kind === 'identity' ? unlistedWildcardResourceActions(s) : [];
      if (unlisted.length > 0) {
        problems.push({ path: `${p.path}.Statement[${i}]`, message: `Resource "*" with ${unlisted.join(', ')}; allowed: resources scoped to this cluster, or "*" only for the actions of WILDCARD_RESOURCE_ALLOWED (bootstrap/iam-check.ts)` });
      }
    });
    const federated = p.kind === 'trust' && p.document.Statement.some((s) => isMap(s.Principal) && 'Federated' in s.Principal);
    if (federated) {
      const { problem } = trustedServiceAccount(p.document);
      if (problem) problems.push({ path: p.path, message: problem });
    }
  }
  return problems;
}
