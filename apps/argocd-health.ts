/**
 * Argo CD does not assess the health of child Applications by default (since v1.8), so sync waves between
 * Applications would not wait for the previous add-on. This argocd-cm key restores that, stricter than upstream's
 * example: a wave moves on only when the child is Synced and Healthy with no operation running.
 *
 * Where it goes: a cluster with its own Argo CD carries it in the self-managed Argo CD's Helm values
 * (`configs.cm`, apps/argocd-application.ts); a cluster driven by a management Argo CD needs it in that Argo CD's
 * argocd-cm, rendered as `bootstrap/configmap_<ns>_argocd-cm.yaml` for that cluster (ApplicationHealthConfig).
 * docs/argocd.md documents the same script (a test compares them).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

/**
 * The health of a child Application, as the parent (the root app-of-apps) sees it. Argo CD runs it with the
 * Application as `obj` (gopher-lua, Lua 5.1, with only the base, table and package libraries: no `string`) and
 * reads `status` (Healthy, Progressing, Degraded, Suspended) and `message`. Fields read (Application CRD v1alpha1,
 * argoproj/argo-cd v3.4): `operation` (a requested sync), `status.operationState.phase` (Running, Terminating, Failed, Error, Succeeded), `status.conditions[].type`,
 * `status.sync.status` (Synced, OutOfSync, Unknown), `status.health.status|message`.
 * Order, first match wins:
 * 1. no status yet → Progressing;
 * 2. an operation requested or running (Running, Terminating) → Progressing;
 * 3. the last operation Failed or Error → Degraded (a failed upgrade leaves the old pods Healthy: it must not pass);
 * 4. an error condition (ComparisonError, DeletionError, InvalidSpecError, SyncError, UnknownError) → Degraded;
 * 5. health Degraded or Suspended → that status; health missing, Missing or Unknown → Progressing (not there yet);
 * 6. not Synced (OutOfSync, Unknown) → Progressing (automated sync is about to act);
 * 7. Synced and Healthy → Healthy.
 * The message always names the child's own state, so the parent's UI says why a wave waits.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Application's first status"
  return hs
end
local op = obj.status.operationState
local sync = "Unknown"
if obj.status.sync ~= nil and obj.status.sync.status ~= nil then
  sync = obj.status.sync.status
end
local health = "Missing"
local healthMessage = ""
if obj.status.health ~= nil and obj.status.health.status ~= nil then
  health = obj.status.health.status
  if obj.status.health.message ~= nil then
    healthMessage = ": " .. obj.status.health.message
  end
end
local state = "sync " .. sync .. ", health " .. health .. healthMessage
if obj.operation ~= nil or (op ~= nil and (op.phase == "Running" or op.phase == "Terminating")) then
  hs.status = "Progressing"
  hs.message = "Sync operation running (" .. state .. ")"
  return hs
end
if op ~= nil and (op.phase == "Failed" or op.phase == "Error") then
  hs.status = "Degraded"
  hs.message = "Last sync " .. op.phase
  if op.message ~= nil then
    hs.message = hs.message .. ": " .. op.message
  end
  return hs
end
local errors = {ComparisonError = true, DeletionError = true, InvalidSpecError = true, SyncError = true, UnknownError = true}
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type ~= nil and errors[c.type] then
      hs.status = "Degraded"
      hs.message = c.type
      if c.message ~= nil then
        hs.message = hs.message .. ": " .. c.message
      end
      return hs
    end
  end
end
if health == "Degraded" or health == "Suspended" then
  hs.status = health
  hs.message = state
  return hs
end
if health ~= "Healthy" then
  hs.status = "Progressing"
  hs.message = state
  return hs
end
if sync ~= "Synced" then
  hs.status = "Progressing"
  hs.message = state
  return hs
end
hs.status = "Healthy"
hs.message = state
return hs
`;

/** argocd-cm key of the diff options (argo-cd docs/operator-manual/argocd-cm.yaml, v3.4). */
export const COMPARE_OPTIONS_KEY = 'resource.compareoptions';

/**
 * The argocd-cm `data` the platform needs in every Argo CD that syncs its clusters (a management one included):
 * the Application health check, and diffing that ignores the rules Kubernetes fills into aggregated ClusterRoles
 * (idp-roles' access levels), since an Application that never settles Synced now holds back every later wave.
 */
export function argocdCmData(): Record<string, string> {
  return { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA, [COMPARE_OPTIONS_KEY]: 'ignoreAggregatedRoles: true\n' };
}

/**
 * The health check as a partial argocd-cm, for a cluster whose Argo CD this repository does not install
 * (`argocd.mode: management`): applied on the management cluster with `kubectl apply --server-side`. No
 * `app.kubernetes.io/managed-by` label: a Helm-installed argocd-cm owns that field, and claiming it conflicts.
 */
export class ApplicationHealthConfig extends Construct {
  constructor(scope: Construct, id: string, props: { readonly namespace: string }) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cm',
        namespace: props.namespace,
        labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
      },
      data: argocdCmData(),
    });
  }
}
