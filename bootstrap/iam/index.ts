/**
 * IAM documents of the bootstrap stack: one file per controller policy (each names the upstream policy and version it
 * derives from), the trust policies and the KMS key policy. Every statement that can change or delete something is
 * scoped to this cluster (its own resources by name, or a tag whose value is this cluster's name); what is left on
 * `Resource: "*"` is listed with its reason in WILDCARD_RESOURCE_ALLOWED (bootstrap/iam-check.ts).
 */
import type { Controller } from '../../config/naming.ts';
import type { PolicyDocument } from '../cfn.ts';
import { albControllerPolicy } from './alb-controller.ts';
import { certManagerPolicy } from './cert-manager.ts';
import type { PolicyContext } from './context.ts';
import { efsCsiPolicy } from './efs-csi.ts';
import { externalDnsPolicy } from './external-dns.ts';
import { externalSecretsPolicy } from './external-secrets.ts';
import { karpenterControllerPolicy } from './karpenter.ts';

export type { PolicyContext } from './context.ts';
export { kmsKeyPolicy } from './kms.ts';
export { irsaTrustPolicy, serviceTrustPolicy, TRUST_VARIABLES } from './trust.ts';

/** The identity policy of each controller's IRSA role. */
export const CONTROLLER_POLICIES: Readonly<Record<Controller, (c: PolicyContext) => PolicyDocument>> = {
  karpenter: karpenterControllerPolicy,
  'alb-controller': albControllerPolicy,
  'external-dns': externalDnsPolicy,
  'cert-manager': certManagerPolicy,
  'efs-csi': efsCsiPolicy,
  'external-secrets': externalSecretsPolicy,
};
