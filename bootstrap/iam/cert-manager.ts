import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/**
 * cert-manager DNS-01 policy, derived from the Route53 page of the cert-manager docs for v1.21
 * (cert-manager/website `content/docs/configuration/acme/dns01/route53.md`): TXT `_acme-challenge` records in the
 * cluster's hosted zone only.
 */
export function certManagerPolicy(c: PolicyContext): PolicyDocument {
  const zone = `arn:${c.partition}:route53:::hostedzone/${c.hostedZoneId}`;
  return doc(
    { Sid: 'GetChange', Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${c.partition}:route53:::change/*` },
    { Sid: 'ListClusterZoneRecords', Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: zone },
    {
      Sid: 'ChangeChallengeRecords',
      Effect: 'Allow',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: zone,
      Condition: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
        'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
      },
    },
    // Only used when an issuer does not name its hostedZoneID; the action has no resource-level permissions.
    { Sid: 'FindZone', Effect: 'Allow', Action: 'route53:ListHostedZonesByName', Resource: '*' },
  );
}
