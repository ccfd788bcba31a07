/**
 * Stakater Reloader: rolls Deployments/StatefulSets when a ConfigMap or Secret they reference changes
 * (opt-in per workload with the `reloader.stakater.com/auto` annotation).
 * Chart: reloader 2.2.16 from https://stakater.github.io/stakater-charts (values checked against its values.schema.json and values.yaml).
 */
import { int, str } from '../../config/schema.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, requiredValueProblems, RESTRICTED_CONTAINER, zoneSpread } from '../common.ts';

/** Reloader's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface ReloaderProps {
  /** Replicas; more than one turns on leader election (`enableHA`) and a PodDisruptionBudget. */
  readonly replicas: number;
  /** Log level. */
  readonly logLevel: 'debug' | 'info' | 'warning' | 'error';
}

const NAME = 'reloader';

export function reloaderValues(props: ReloaderProps): Record<string, unknown> {
  const { replicas } = props;
  return {
    // Without it the chart names everything `<release>-reloader`, i.e. reloader-reloader.
    fullnameOverride: NAME,
    reloader: {
      enableHA: replicas > 1,
      readOnlyRootFileSystem: true,
      logFormat: 'json',
      logLevel: props.logLevel,
      // A Secret that appears after its workload started (echo-server's, written by External Secrets in a later
      // wave) restarts the workload; by default only changes to existing Secrets do.
      reloadOnCreate: true,
      // Reloader's cache fill at its own start reports every existing ConfigMap/Secret as created; with this false
      // (documented as "sync after restart for Add events, works only when reloadOnCreate is true") those events
      // are skipped, so a Reloader restart or leader change does not roll every annotated workload.
      syncAfterRestart: false,
      deployment: {
        replicas,
        resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
        containerSecurityContext: { ...RESTRICTED_CONTAINER, capabilities: { drop: ['ALL'] } },
        // The chart labels its pods `app: <fullname>` and `release: <release>`.
        topologySpreadConstraints: zoneSpread({ app: NAME, release: NAME }),
      },
      podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
    },
  };
}

export const reloader = defineAddon<ReloaderProps>({
  id: 'reloader',
  dependsOn: [NEEDS_NODES],
  description: 'Rolls workloads when the ConfigMaps and Secrets they use change',
  namespace: 'reloader',
  chart: { repoURL: 'https://stakater.github.io/stakater-charts', chart: NAME, version: '2.2.16', releaseName: NAME },
  settings: {
    replicas: int({ min: 1, max: 5, default: 2 }),
    logLevel: str({ oneOf: ['debug', 'info', 'warning', 'error'] as const, default: 'info' }),
  },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
  ],
  // Both keys carry the echo-server contract above: refuse overrides that would silently break it.
  validate: ({ config }) =>
    requiredValueProblems('reloader', config.values, [
      { path: ['reloader', 'reloadOnCreate'], allowed: true, why: 'workloads that start before their Secret exists (echo-server) are restarted only on create events' },
      { path: ['reloader', 'syncAfterRestart'], allowed: false, why: 'with reloadOnCreate, true restarts every annotated workload whenever Reloader restarts' },
    ]),
  values: ({ settings }) => reloaderValues(settings),
});
