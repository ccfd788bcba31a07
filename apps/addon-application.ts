/**
 * One Argo CD Application per add-on: the pinned Helm chart with inline values (so a values change shows in the
 * dist/ diff), the add-on's folder in dist/ synced from git, or both as a multi-source Application.
 */
import { Construct } from 'constructs';
import {
  Application,
  type ApplicationSpecSource,
  type ApplicationSpecSourceHelm,
  type ApplicationSpecSources,
  type ApplicationSpecSyncPolicy,
} from '../imports/argocd-application-argoproj.io.ts';
import type { AddonDefinition, HelmChartRef, IgnoreDifference } from '../charts/addon.ts';
import { waveOf } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { eksClusterArn } from '../config/naming.ts';
import { ADDON_LABEL, CLUSTER_LABEL, IN_CLUSTER, MANAGED_BY, SYNC_WAVE } from './labels.ts';

export interface AddonApplicationProps {
  readonly cluster: Cluster;
  readonly addon: AddonDefinition<unknown>;
  /** AppProject the Application belongs to. */
  readonly project: string;
  /** Helm values after the user's overrides. @default {} */
  readonly values?: Record<string, unknown>;
  /** Chart version after the user's override. @default the add-on's pinned version */
  readonly version?: string;
  /** Folder of the add-on's plain manifests in the git repo; absent when it has none. @default no git source */
  readonly manifestsPath?: string;
  /** Whether the manifests hold custom resources whose CRD another Application (or the chart) installs. @default false */
  readonly hasCustomResources?: boolean;
  /** @default [] */
  readonly ignoreDifferences?: readonly IgnoreDifference[];
}

/** Where the add-ons of a cluster are deployed, as Argo CD sees it. */
export function destinationServer(cluster: Cluster): string {
  return cluster.argocd.mode === 'management' ? cluster.facts.clusterEndpoint! : argocdHomeServer(cluster);
}

/**
 * The cluster Argo CD itself runs in (where the root and the Applications live), as Argo CD addresses it: the EKS
 * managed Argo CD by the cluster's ARN, a self-managed one (this cluster's or the management cluster's) in-cluster.
 */
export function argocdHomeServer(cluster: Pick<Cluster, 'argocd' | 'name' | 'aws'>): string {
  return cluster.argocd.mode === 'eks-capability' ? eksClusterArn(cluster) : IN_CLUSTER;
}

/** Automated sync with prune and self-heal, retried with backoff; shared by the root and every child Application. */
export function syncPolicy(syncOptions: string[]): ApplicationSpecSyncPolicy {
  return {
    automated: { prune: true, selfHeal: true },
    retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    ...(syncOptions.length > 0 ? { syncOptions } : {}),
  };
}

export function applicationName(cluster: Pick<Cluster, 'name'>, addonId: string): string {
  return `${cluster.name}-${addonId}`;
}

/** A Helm chart source at a pinned version; `version` overrides the chart's own. */
function helmSource(chart: HelmChartRef & { readonly releaseName: string }, version: string | undefined, helm: ApplicationSpecSourceHelm): ApplicationSpecSource {
  return {
    repoUrl: chart.repoURL,
    // Argo CD's native OCI source names the chart in repoURL and reads it from the artifact's root.
    ...(chart.repoURL.startsWith('oci://') ? { path: '.' } : { chart: chart.chart }),
    targetRevision: version ?? chart.version,
    helm: { releaseName: chart.releaseName, ...helm },
  };
}

export class AddonApplication extends Construct {
  readonly application: Application;

  constructor(scope: Construct, id: string, props: AddonApplicationProps) {
    super(scope, id);
    const { cluster, addon } = props;
    const sources: ApplicationSpecSource[] = [];
    if (addon.chart) {
      const valuesObject = props.values ?? {};
      sources.push(helmSource(addon.chart, props.version, addon.crdChart ? { valuesObject, skipCrds: true } : { valuesObject }));
      // The CRDs as ordinary templates, so each sync upgrades them; same version as the chart they belong to.
      if (addon.crdChart) sources.push(helmSource(addon.crdChart, props.version, {}));
    }
    if (props.manifestsPath) {
      sources.push({ repoUrl: cluster.gitops.repoURL, targetRevision: cluster.gitops.targetRevision, path: props.manifestsPath });
    }
    const ignoreDifferences = [...(props.ignoreDifferences ?? [])];
    const syncOptions = [
      'CreateNamespace=true',
      ...(addon.serverSideApply ? ['ServerSideApply=true'] : []),
      ...(props.hasCustomResources ? ['SkipDryRunOnMissingResource=true'] : []),
      ...(ignoreDifferences.length > 0 ? ['RespectIgnoreDifferences=true'] : []),
    ];

    this.application = new Application(this, 'Resource', {
      metadata: {
        name: applicationName(cluster, addon.id),
        namespace: cluster.argocd.namespace,
        labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name, [ADDON_LABEL]: addon.id },
        annotations: { [SYNC_WAVE]: String(waveOf(addon)) },
        // Deleting the Application (e.g. the add-on is disabled) deletes what it deployed, instead of orphaning it.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: props.project,
        info: [{ name: 'Description', value: addon.description }],
        destination: { server: destinationServer(cluster), namespace: addon.namespace },
        ...(sources.length === 1 ? { source: sources[0] } : { sources: sources as ApplicationSpecSources[] }),
        syncPolicy: syncPolicy(syncOptions),
        ...(ignoreDifferences.length > 0 ? { ignoreDifferences } : {}),
        revisionHistoryLimit: 5,
      },
    });
  }
}
