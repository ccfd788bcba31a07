import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/** KMS key administration and use for IAM principals of the account (key policies need explicit actions here). */
export function kmsKeyPolicy(c: Pick<PolicyContext, 'partition' | 'accountId'>): PolicyDocument {
  return doc({
    Sid: 'AccountPrincipalsByIamPolicy',
    Effect: 'Allow',
    Principal: { AWS: `arn:${c.partition}:iam::${c.accountId}:root` },
    Action: [
      'kms:CancelKeyDeletion',
      'kms:CreateAlias',
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DeleteAlias',
      'kms:DescribeKey',
      'kms:DisableKey',
      'kms:DisableKeyRotation',
      'kms:EnableKey',
      'kms:EnableKeyRotation',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:GetKeyPolicy',
      'kms:GetKeyRotationStatus',
      'kms:ListAliases',
      'kms:ListGrants',
      'kms:ListKeyPolicies',
      'kms:ListKeyRotations',
      'kms:ListResourceTags',
      'kms:PutKeyPolicy',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:RetireGrant',
      'kms:RevokeGrant',
      'kms:RotateKeyOnDemand',
      'kms:ScheduleKeyDeletion',
      'kms:TagResource',
      'kms:UntagResource',
      'kms:UpdateAlias',
      'kms:UpdateKeyDescription',
    ],
    // In a key policy, "*" means this key.
    Resource: '*',
  });
}
