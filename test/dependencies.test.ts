import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { ADDONS, waveOf } from '../charts/registry.ts';
import { WAVES, type AddonId } from '../charts/addon.ts';
import { loadClusters } from '../config/load.ts';
import { configErrors } from './helpers.ts';
import { fixtureConfig } from './config-fixtures.ts';

const byId = new Map(ADDONS.map((a) => [a.id, a]));
const disable = (...ids: AddonId[]) => (d: Record<string, any>) => {
  for (const id of ids) d.addons[id] = { enabled: false };
};

describe('add-on dependency graph', () => {
  it('names only known add-ons, each with a reason, never itself', () => {
    for (const addon of ADDONS) {
      expect(addon.dependsOn, `${addon.id} declares its dependencies (an empty list when none)`).toBeInstanceOf(Array);
      for (const dep of addon.dependsOn ?? []) {
        expect(Object.keys(WAVES)).toContain(dep.id);
        expect(dep.id).not.toBe(addon.id);
        expect(dep.reason.length).toBeGreaterThan(10);
      }
    }
  });

  it('syncs every dependency in an earlier wave, or says why a later one is safe', () => {
    const late = ADDONS.flatMap((a) => (a.dependsOn ?? []).filter((d) => waveOf(byId.get(d.id)!) >= waveOf(a)).map((d) => ({ addon: a.id, ...d })));
    for (const d of late) expect(d.soft, `${d.addon} → ${d.id} syncs later; say why that is safe in \`soft\``).toMatch(/\w{5,}.*\w{5,}/);
    // The one known exception: echo-server (100) starts before External Secrets (120) creates its Secret.
    expect(late.map((d) => `${d.addon}→${d.id}`)).toEqual(['echo-server→external-secrets-operator']);
    // And `soft` is only used where it is needed, so it never hides a wrong order.
    const needless = ADDONS.flatMap((a) => (a.dependsOn ?? []).filter((d) => d.soft && waveOf(byId.get(d.id)!) < waveOf(a)).map((d) => `${a.id}→${d.id}`));
    expect(needless).toEqual([]);
  });

  it('records the dependencies the add-ons really have', () => {
    const deps = (id: AddonId) => (byId.get(id)!.dependsOn ?? []).map((d) => d.id).sort();
    expect(deps('karpenter-node-pools')).toEqual(['karpenter']);
    expect(deps('alb-ingress-group')).toEqual(['alb-controller']);
    expect(deps('echo-server')).toEqual(['alb-controller', 'alb-ingress-group', 'external-dns', 'external-secrets-operator', 'karpenter-node-pools', 'reloader']);
    expect(deps('karpenter')).toEqual([]);
    // Every add-on with pods but Karpenter (on Fargate) needs the nodes of the node pools.
    for (const id of ['metrics-server', 'reloader', 'cert-manager', 'alb-controller', 'external-dns', 'efs-controller', 'external-secrets-operator'] as const) {
      expect(deps(id)).toContain('karpenter-node-pools');
    }
  });

  it('rejects Karpenter disabled while its node pools stay enabled, naming both and the fix', () => {
    const dir = fixtureConfig([{ name: 'a', n: 1, edit: disable('karpenter') }]);
    expect(configErrors(dir)).toEqual([
      'clusters/a.yaml: addons.karpenter.enabled: got false while karpenter-node-pools is enabled and needs it (the NodePool and EC2NodeClass CRDs, and the controller that launches their nodes); allowed: true, or also disable karpenter-node-pools (addons.karpenter-node-pools.enabled: false)',
    ]);
  });

  it('rejects the ALB controller disabled under the ingress group and echo-server, once per dependent', () => {
    const errors = configErrors(fixtureConfig([{ name: 'a', n: 1, edit: disable('alb-controller') }]));
    expect(errors.map((e) => e.replace(/ \(.*/, ''))).toEqual([
      'clusters/a.yaml: addons.alb-controller.enabled: got false while alb-ingress-group is enabled and needs it',
      'clusters/a.yaml: addons.alb-controller.enabled: got false while echo-server is enabled and needs it',
    ]);
  });

  it('accepts an optional dependency disabled (echo-server without Reloader), and says what is lost', () => {
    const optional = ADDONS.flatMap((a) => (a.dependsOn ?? []).filter((d) => d.optional).map((d) => `${a.id}→${d.id}`));
    expect(optional).toEqual(['echo-server→reloader']);
    expect(configErrors(fixtureConfig([{ name: 'a', n: 1, edit: disable('reloader') }]))).toEqual([]);
  });

  it('rejects a disabled soft dependency: it is needed, only later', () => {
    const errors = configErrors(fixtureConfig([{ name: 'a', n: 1, edit: disable('external-secrets-operator') }]));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^clusters\/a\.yaml: addons\.external-secrets-operator\.enabled: got false while echo-server is enabled and needs it \(creates the Secret echo-server-config/);
  });

  it('accepts a dependency disabled together with its dependents', () => {
    const dir = fixtureConfig([{ name: 'a', n: 1, edit: disable('alb-controller', 'alb-ingress-group', 'echo-server') }]);
    expect(configErrors(dir)).toEqual([]);
    const [cluster] = loadClusters({ configDir: dir, addons: ADDONS, relativeTo: dir });
    expect(cluster.addons['alb-controller'].enabled).toBe(false);
  });

  it('checks the add-on list it is given, not a built-in one', () => {
    const dir = fixtureConfig([{ name: 'a', n: 1 }]);
    const only = [{ id: 'x', namespace: 'x', enabledByDefault: true, dependsOn: [{ id: 'y', reason: 'a fixture reason' }] }, { id: 'y', namespace: 'y', enabledByDefault: false }];
    expect(() => loadClusters({ configDir: dir, addons: only, relativeTo: dir })).toThrow(/addons\.y\.enabled: got false while x is enabled and needs it \(a fixture reason\)/);
  });

  it('is documented as defined, with waves and soft/optional marks (docs/configuration.md)', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'configuration.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| ([a-z-]+) \((\d+)\) \| (.*) \|$/gm)].map((m) => [m[1], { wave: Number(m[2]), needs: m[3] }]));
    for (const addon of ADDONS) {
      const row = rows.get(addon.id);
      expect(row, addon.id).toBeDefined();
      expect(row!.wave, addon.id).toBe(waveOf(addon));
      const expected = (addon.dependsOn ?? []).map((d) => `${d.id} (${waveOf(byId.get(d.id)!)}${d.optional ? ', optional' : ''}${d.soft ? ', soft' : ''})`);
      expect(row!.needs.startsWith('—') ? [] : row!.needs.split(/(?<=\)), /), addon.id).toEqual(expected);
    }
  });
});
