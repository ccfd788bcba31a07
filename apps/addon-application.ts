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
import { ADDON_LABEL, CLUSTER_LABEL, IN_CLUSTER, MANAGED_BY, SYNC_WAVE } from '../config/labels.ts';

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
      // With a CRD chart the CRDs belong to the CRD Application below, so each CRD has one owner.
      sources.push(helmSource(addon.chart, props.version, addon.crdChart ? { valuesObject, skipCrds: true } : { valuesObject }));
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
    if (addon.crdChart) this.crdApplication = new CrdApplication(this, 'Crds', props);
  }

  /** The Application of the add-on's CRD chart, when it has one. */
  readonly crdApplication?: CrdApplication;
}

export function crdApplicationName(cluster: Pick<Cluster, 'name'>, addonId: string): string {
  return `${applicationName(cluster, addonId)}-crds`;
}

/**
 * An add-on's CRD chart (`crdChart`) as its own Application, one wave before the add-on, that never deletes or
 * prunes what it installed: the chart offers no values to annotate its CRDs (karpenter-crd 1.14.1 has only
 * `webhook.*`), so the protection is the Application's. Its `Delete=false`/`Prune=false` sync options are the default
 * of every object it manages (argo-cd v3.x controller/appcontroller.go shouldBeDeleted and controller/state.go read
 * `spec.syncPolicy.syncOptions` when the object has no annotation), auto-sync does not prune, and it has no resources
 * finalizer. So disabling the add-on, renaming it or committing half a change never deletes NodePool/NodeClaim CRDs
 * (and with them every NodeClaim, whose finalizers would then never run, orphaning EC2 instances).
 * Every sync still upgrades the CRDs, at the same version as the add-on's chart (a `version` override moves both).
 */
export class CrdApplication extends Construct {
  readonly application: Application;

  constructor(scope: Construct, id: string, props: AddonApplicationProps) {
    super(scope, id);
    const { cluster, addon } = props;
    this.application = new Application(this, 'Resource', {
      metadata: {
        name: crdApplicationName(cluster, addon.id),
        namespace: cluster.argocd.namespace,
        labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name, [ADDON_LABEL]: addon.id },
        // Before the controller that serves these kinds.
        annotations: { [SYNC_WAVE]: String(waveOf(addon) - 1) },
      },
      spec: {
        project: props.project,
        info: [{ name: 'Description', value: `CRDs of ${addon.id}, kept when it is removed` }],
        destination: { server: destinationServer(cluster), namespace: addon.namespace },
        source: helmSource(addon.crdChart!, props.version, {}),
        syncPolicy: {
          ...syncPolicy(['Delete=false', 'Prune=false', ...(addon.serverSideApply ? ['ServerSideApply=true'] : [])]),
          automated: { prune: false, selfHeal: true },
        },
        revisionHistoryLimit: 5,
      },
    });
  }
}
