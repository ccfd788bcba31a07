import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/**
 * External Secrets policy (SSM Parameter Store provider), derived from `docs/provider/aws-parameter-store.md` of
 * external-secrets/external-secrets v2.9.0 (the chart we pin): read the cluster's application parameters and decrypt them.
 * By name and by path (`dataFrom.find.path`) only: finding parameters by tag or name regex without a path needs
 * ssm:DescribeParameters on `*`, which would list every parameter name in the account, and neither our
 * ClusterSecretStore nor echo-server's ExternalSecret does that, so it is left out.
 */
export function externalSecretsPolicy(c: PolicyContext): PolicyDocument {
  const path = c.appParameterPrefix.replace(/^\//, '');
  const ssm = (p: string) => `arn:${c.partition}:ssm:${c.region}:${c.accountId}:parameter/${p}`;
  return doc(
    {
      Sid: 'ReadAppParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:ListTagsForResource'],
      Resource: [ssm(path), ssm(`${path}/*`)],
    },
    {
      Sid: 'DecryptAppParameters',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: c.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `ssm.${c.region}.${c.urlSuffix}` } },
    },
  );
}
