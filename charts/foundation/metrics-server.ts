/**
 * metrics-server: the resource metrics API (`kubectl top`, HorizontalPodAutoscaler). Runs in kube-system.
 * Chart: metrics-server 3.13.1 from https://kubernetes-sigs.github.io/metrics-server/ (values checked against its values.yaml).
 */
import { int } from '../../config/schema.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, zoneSpread } from '../common.ts';

/** metrics-server's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface MetricsServerProps {
  /** Replicas; with 2 or more a PodDisruptionBudget keeps one up during node drains. */
  readonly replicas: number;
}

const NAME = 'metrics-server';

export function metricsServerValues(props: MetricsServerProps): Record<string, unknown> {
  const { replicas } = props;
  const selector = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME };
  return {
    replicas,
    podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
    // Sized for clusters up to ~100 nodes (upstream's guidance: 100m/200Mi); the memory limit equals the request.
    resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '200Mi' } },
    topologySpreadConstraints: zoneSpread(selector),
  };
}

export const metricsServer = defineAddon<MetricsServerProps>({
  id: 'metrics-server',
  dependsOn: [NEEDS_NODES],
  description: 'Resource metrics API for kubectl top and autoscaling',
  namespace: 'kube-system',
  chart: { repoURL: 'https://kubernetes-sigs.github.io/metrics-server/', chart: NAME, version: '3.13.1', releaseName: NAME },
  settings: { replicas: int({ min: 1, max: 10, default: 2 }) },
  chartClusterKinds: [
    ...CLUSTER_RBAC,
    { group: 'apiregistration.k8s.io', kind: 'APIService' },
  ],
  values: ({ settings }) => metricsServerValues(settings),
});
