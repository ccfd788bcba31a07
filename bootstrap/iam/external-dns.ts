import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/**
 * external-dns policy, derived from the IAM policy in `docs/tutorials/aws.md` of kubernetes-sigs/external-dns (the
 * release of chart 1.21.1, which we pin), with `hostedzone/*` narrowed to the cluster's own hosted zone.
 */
export function externalDnsPolicy(c: PolicyContext): PolicyDocument {
  return doc(
    {
      Sid: 'ChangeClusterZoneRecords',
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'],
      Resource: `arn:${c.partition}:route53:::hostedzone/${c.hostedZoneId}`,
    },
    // ListHostedZones has no resource-level permissions; external-dns filters to the zone itself (--zone-id-filter).
    { Sid: 'ListZones', Effect: 'Allow', Action: ['route53:ListHostedZones'], Resource: '*' },
  );
}
