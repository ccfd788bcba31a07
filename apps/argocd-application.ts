/**
 * The self-managed Argo CD of a cluster with `argocd.mode: in-cluster`: an Application of the argo-cd chart in the
 * root app-of-apps (`dist/<cluster>/apps/`), synced in wave ARGOCD_WAVE, before Karpenter, in its own AppProject.
 * `bootstrap gitops` installs the same chart, version, values, release name and namespace with Helm the first
 * time (src/gitops/), so Argo CD's first sync of itself changes nothing.
 */
import { Construct } from 'constructs';
import { Application } from '../imports/argocd-application-argoproj.io.ts';
import { ARGO_CD_CHART, ARGO_CD_CLUSTER_KINDS, argoCdValues } from '../charts/gitops/argo-cd.ts';
import type { Cluster } from '../config/cluster.ts';
import { applicationName, syncPolicy } from './addon-application.ts';
import { ArgoCdProject, argocdProjectName } from './app-project.ts';
import { argocdCmData } from './argocd-health.ts';
import { CLUSTER_LABEL, IN_CLUSTER, MANAGED_BY, SYNC_WAVE } from '../config/labels.ts';

/** Before every add-on (Karpenter is the first, at WAVES.karpenter = 10), after the AppProjects (-1). */
export const ARGOCD_WAVE = 5;

/** The Application's name, `<cluster>-argo-cd`. */
export function argocdApplicationName(cluster: Pick<Cluster, 'name'>): string {
  return applicationName(cluster, ARGO_CD_CHART.chart);
}

/**
 * The platform's argo-cd chart values for `cluster` (before the user's `argocd.values`): HA per `argocd.ha`
 * (default: prod only) and the argocd-cm keys of apps/argocd-health.ts.
 */
export function platformArgoCdValues(cluster: Cluster): Record<string, unknown> {
  return argoCdValues({ ha: cluster.argocd.ha ?? cluster.environment === 'prod', cm: argocdCmData() });
}

export interface ArgoCdApplicationProps {
  readonly cluster: Cluster;
  /** Helm values after the user's `argocd.values`. @default platformArgoCdValues(cluster) */
  readonly values?: Record<string, unknown>;
}

export class ArgoCdApplication extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    const { cluster } = props;
    const namespace = cluster.argocd.namespace;
    new ArgoCdProject(this, 'project', { cluster, chartRepo: ARGO_CD_CHART.repoURL, clusterKinds: ARGO_CD_CLUSTER_KINDS });
    new Application(this, 'Resource', {
      metadata: {
        name: argocdApplicationName(cluster),
        namespace,
        labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name },
        annotations: { [SYNC_WAVE]: String(ARGOCD_WAVE) },
        // No resources finalizer: deleting this Application must never uninstall Argo CD.
      },
      spec: {
        project: argocdProjectName(cluster),
        info: [{ name: 'Description', value: 'Argo CD itself (self-managed; first installed by `npm run bootstrap -- gitops`)' }],
        destination: { server: IN_CLUSTER, namespace },
        source: {
          repoUrl: ARGO_CD_CHART.repoURL,
          chart: ARGO_CD_CHART.chart,
          targetRevision: ARGO_CD_CHART.version,
          // Release name = namespace, as `bootstrap gitops` installs it; with "argocd" the chart names its objects argocd-*.
          helm: { releaseName: namespace, valuesObject: props.values ?? platformArgoCdValues(cluster) },
        },
        // Server-side apply: the ApplicationSet CRD exceeds the client-side last-applied annotation limit.
        syncPolicy: syncPolicy(['ServerSideApply=true']),
        revisionHistoryLimit: 5,
      },
    });
  }
}
