import { describe, expect, it } from 'vitest';
import { reloader, reloaderValues } from '../charts/foundation/reloader.ts';
import { addonContext, renderAddon } from './helpers.ts';

describe('reloader', () => {
  it('restarts a workload when its Secret appears (echo-server starts before External Secrets writes it)', () => {
    const values = renderAddon(reloader).values!;
    expect(values.reloader.reloadOnCreate).toBe(true);
  });

  it('does not roll every annotated workload when Reloader itself restarts (syncAfterRestart stays false)', () => {
    expect(reloaderValues(addonContext(reloader, { settings: {} }).settings).reloader).toMatchObject({ reloadOnCreate: true, syncAfterRestart: false });
  });

  it('refuses values overrides that turn create events off or replay them after a restart', () => {
    expect(renderAddon(reloader, { settings: {}, values: { reloader: { reloadOnCreate: false, syncAfterRestart: true } } }).errors).toEqual([
      expect.stringMatching(/^clusters\/dev\.yaml: addons\.reloader\.values\.reloader\.reloadOnCreate: got false \(boolean\); allowed: true/),
      expect.stringMatching(/^clusters\/dev\.yaml: addons\.reloader\.values\.reloader\.syncAfterRestart: got true \(boolean\); allowed: false/),
    ]);
  });
});
