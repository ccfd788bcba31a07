/**
 * Stakater Reloader: rolls Deployments/StatefulSets when a ConfigMap or Secret they reference changes
 * (opt-in per workload with the `reloader.stakater.com/auto` annotation).
 * Chart: reloader 2.2.16 from https://stakater.github.io/stakater-charts (values checked against its values.schema.json and values.yaml).
 */
import { int, optional, str } from '../../config/schema.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, RESTRICTED_CONTAINER, zoneSpread } from '../common.ts';

export interface ReloaderProps {
  /** Replicas; more than one turns on leader election (`enableHA`) and a PodDisruptionBudget. @default 2 */
  readonly replicas?: number;
  /** Log level. @default "info" */
  readonly logLevel?: 'debug' | 'info' | 'warning' | 'error';
}

const NAME = 'reloader';

export function reloaderValues(props: ReloaderProps = {}): Record<string, unknown> {
  const replicas = props.replicas ?? 2;
  return {
    // Without it the chart names everything `<release>-reloader`, i.e. reloader-reloader.
    fullnameOverride: NAME,
    reloader: {
      enableHA: replicas > 1,
      readOnlyRootFileSystem: true,
      logFormat: 'json',
      logLevel: props.logLevel ?? 'info',
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
    replicas: optional(int({ min: 1, max: 5 })),
    logLevel: optional(str({ oneOf: ['debug', 'info', 'warning', 'error'] as const })),
  },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
  ],
  values: ({ settings }) => reloaderValues(settings),
});
