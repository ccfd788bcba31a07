/**
 * Every add-on the platform has, in the documented sync order (see WAVES in addon.ts). Only built add-ons are
 * listed: nothing renders a placeholder. To add one, write its file and add it here; its wave is fixed already.
 */
import { WAVES, type AddonDefinition } from './addon.ts';
import { idpRoles } from './foundation/idp-roles.ts';
import { karpenterNodePools } from './foundation/karpenter-node-pools.ts';
import { karpenter } from './foundation/karpenter.ts';
import { metricsServer } from './foundation/metrics-server.ts';
import { reloader } from './foundation/reloader.ts';
import { certManager } from './network/cert-manager.ts';
import { albController } from './network/alb-controller.ts';
import { albIngressGroup } from './network/alb-ingress-group.ts';
import { externalDns } from './network/external-dns.ts';
import { echoServer } from './network/echo-server.ts';
import { efsController } from './storage/efs-controller.ts';
import { externalSecretsOperator } from './operators/external-secrets-operator.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
export const ADDONS: readonly AddonDefinition<any>[] = [karpenter, karpenterNodePools, idpRoles, metricsServer, reloader, certManager, albController, albIngressGroup, externalDns, echoServer, efsController, externalSecretsOperator].sort((a, b) => WAVES[a.id] - WAVES[b.id]);

export function waveOf(addon: Pick<AddonDefinition<unknown>, 'id'>): number {
  return WAVES[addon.id];
}
