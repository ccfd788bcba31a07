import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLICATION_HEALTH_LUA } from '../apps/argocd-health.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { runHealthScript } from './lua.ts';

/** A child Application with the given status (Argo CD passes the whole object as `obj`). */
const app = (status?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'dev-karpenter', namespace: 'argocd' },
  spec: { project: 'dev-platform' },
  ...extra,
  ...(status ? { status } : {}),
});
const health = (obj: unknown) => runHealthScript(APPLICATION_HEALTH_LUA, obj);
const synced = { status: 'Synced', revision: 'abc' };
const healthy = { status: 'Healthy' };
const succeeded = { phase: 'Succeeded', message: 'successfully synced (all tasks run)' };

describe('Application health check (run under Lua)', () => {
  it('Synced + Healthy, last sync succeeded: Healthy', () => {
    expect(health(app({ sync: synced, health: healthy, operationState: succeeded }))).toEqual({ status: 'Healthy', message: 'sync Synced, health Healthy' });
  });

  it('OutOfSync + Healthy: Progressing, so the next wave waits for the sync', () => {
    const r = health(app({ sync: { status: 'OutOfSync' }, health: healthy, operationState: succeeded }));
    expect(r).toEqual({ status: 'Progressing', message: 'sync OutOfSync, health Healthy' });
  });

  it('Healthy but the last sync failed (old pods still running): Degraded with the operation message', () => {
    const r = health(app({ sync: { status: 'OutOfSync' }, health: healthy, operationState: { phase: 'Failed', message: 'one or more objects failed to apply: admission webhook denied' } }));
    expect(r).toEqual({ status: 'Degraded', message: 'Last sync Failed: one or more objects failed to apply: admission webhook denied' });
  });

  it('last sync errored: Degraded', () => {
    expect(health(app({ sync: synced, health: healthy, operationState: { phase: 'Error' } }))).toEqual({ status: 'Degraded', message: 'Last sync Error' });
  });

  it('operation Running (even Synced + Healthy): Progressing', () => {
    const r = health(app({ sync: synced, health: healthy, operationState: { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/karpenter' } }));
    expect(r.status).toBe('Progressing');
    expect(r.message).toBe('Sync operation running (sync Synced, health Healthy)');
  });

  it('operation Terminating: Progressing', () => {
    expect(health(app({ sync: synced, health: healthy, operationState: { phase: 'Terminating' } })).status).toBe('Progressing');
  });

  it('an operation requested but not started yet (obj.operation set): Progressing', () => {
    const r = health(app({ sync: synced, health: healthy, operationState: succeeded }, { operation: { sync: { revision: 'def' } } }));
    expect(r.status).toBe('Progressing');
  });

  it('Degraded: Degraded, carrying the child health message', () => {
    const r = health(app({ sync: synced, health: { status: 'Degraded', message: 'Deployment has 0/2 ready replicas' }, operationState: succeeded }));
    expect(r).toEqual({ status: 'Degraded', message: 'sync Synced, health Degraded: Deployment has 0/2 ready replicas' });
  });

  it('Suspended: Suspended (not Healthy, so the wave waits)', () => {
    expect(health(app({ sync: synced, health: { status: 'Suspended' } })).status).toBe('Suspended');
  });

  it('no status at all (just created): Progressing', () => {
    expect(health(app())).toEqual({ status: 'Progressing', message: "Waiting for the Application's first status" });
  });

  it('status without health or sync: Progressing', () => {
    expect(health(app({ reconciledAt: '2026-01-01T00:00:00Z' }))).toEqual({ status: 'Progressing', message: 'sync Unknown, health Missing' });
  });

  it('health Missing (resources not created yet): Progressing', () => {
    expect(health(app({ sync: { status: 'OutOfSync' }, health: { status: 'Missing' } }))).toEqual({ status: 'Progressing', message: 'sync OutOfSync, health Missing' });
  });

  it('health Unknown with a sync Unknown: Progressing', () => {
    expect(health(app({ sync: { status: 'Unknown' }, health: { status: 'Unknown' } })).status).toBe('Progressing');
  });

  it('an error condition (manifest generation failed): Degraded with its message', () => {
    const r = health(app({ sync: { status: 'Unknown' }, health: healthy, conditions: [{ type: 'SharedResourceWarning', message: 'shared' }, { type: 'ComparisonError', message: 'rpc error: chart not found' }] }));
    expect(r).toEqual({ status: 'Degraded', message: 'ComparisonError: rpc error: chart not found' });
  });

  it('a warning condition alone does not block: Healthy', () => {
    expect(health(app({ sync: synced, health: healthy, conditions: [{ type: 'OrphanedResourceWarning', message: 'orphans' }] })).status).toBe('Healthy');
  });
});

describe('docs/argocd.md', () => {
  it('documents exactly the script the platform installs', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'argocd.md'), 'utf8');
    const block = /```lua\n([\s\S]*?)```/.exec(doc);
    expect(block?.[1]).toBe(APPLICATION_HEALTH_LUA);
  });
});
