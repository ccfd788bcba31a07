/** Trust policies: who may assume the bootstrap's roles. */
import { SERVICE_ACCOUNTS, type Controller } from '../../config/naming.ts';
import type { PolicyDocument } from '../cfn.ts';
import { doc } from './context.ts';

/** Placeholders in an IRSA trust policy, filled by `Fn::Sub` once the cluster's OIDC issuer exists. */
export const TRUST_VARIABLES = { issuer: '${OidcIssuer}', provider: '${OidcProviderArn}' } as const;

/**
 * IRSA trust policy: only the controller's own service account, only with the STS audience. The condition keys
 * contain the OIDC issuer, known only after the cluster exists, so the template passes this document through
 * `Fn::Sub` as a JSON string (CloudFormation cannot compute object keys).
 */
export function irsaTrustPolicy(controller: Controller): PolicyDocument {
  const sa = SERVICE_ACCOUNTS[controller];
  return doc({
    Effect: 'Allow',
    Principal: { Federated: TRUST_VARIABLES.provider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${TRUST_VARIABLES.issuer}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        [`${TRUST_VARIABLES.issuer}:aud`]: 'sts.amazonaws.com',
      },
    },
  });
}

/** Trust policy for an AWS service principal, optionally limited by `aws:SourceArn`. */
export function serviceTrustPolicy(service: string, actions: readonly string[], sourceArn?: string): PolicyDocument {
  return doc({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: actions,
    ...(sourceArn ? { Condition: { ArnLike: { 'aws:SourceArn': sourceArn } } } : {}),
  });
}
