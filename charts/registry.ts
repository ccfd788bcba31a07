/**
 * Every add-on the platform has, in the documented sync order (see WAVES in addon.ts). Only built add-ons are
 * listed: nothing renders a placeholder. To add one, write its file and add it here; its wave is fixed already.
 */
import { WAVES, type AddonDefinition } from './addon.ts';
import { metricsServer } from './foundation/metrics-server.ts';
import { reloader } from './foundation/reloader.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
export const ADDONS: readonly AddonDefinition<any>[] = [metricsServer, reloader].sort((a, b) => WAVES[a.id] - WAVES[b.id]);

export function waveOf(addon: Pick<AddonDefinition<unknown>, 'id'>): number {
  return WAVES[addon.id];
}
