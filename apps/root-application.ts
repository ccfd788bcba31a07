/**
 * The root app-of-apps of a cluster: syncs `dist/<cluster>/apps` (the AppProject and one Application per add-on)
 * into Argo CD's namespace. Applied by `npm run bootstrap -- gitops` (docs/first-deploy.md), or created by the fleet ApplicationSet
 * (apps/fleet.ts); both use `rootApplicationSpec`, so the two ways produce the same Application.
 */
import { Construct } from 'constructs';
import { Application, type ApplicationSpecSyncPolicy } from '../imports/argocd-application-argoproj.io.ts';
import type { Cluster } from '../config/cluster.ts';
import { argocdHomeServer, syncPolicy } from './addon-application.ts';
import { CLUSTER_LABEL, IN_CLUSTER, MANAGED_BY, SYNC_WAVE } from '../config/labels.ts';

export interface RootApplicationProps {
  readonly cluster: Cluster;
  readonly project: string;
  /** Path of the cluster's apps/ folder in the git repo. */
  readonly path: string;
}

/** What a root Application is made of; each field may be a literal or an ApplicationSet template expression. */
export interface RootApplicationParams {
  readonly name: string;
  readonly cluster: string;
  /** Argo CD's own namespace (the root writes the cluster's Applications there). */
  readonly namespace: string;
  readonly project: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly path: string;
  /** The cluster Argo CD runs in, as it addresses it (see argocdHomeServer). @default "https://kubernetes.default.svc" */
  readonly server?: string;
}

export interface RootApplicationSpec {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: {
    readonly project: string;
    readonly destination: { readonly server: string; readonly namespace: string };
    readonly source: { readonly repoUrl: string; readonly targetRevision: string; readonly path: string };
    readonly syncPolicy: ApplicationSpecSyncPolicy;
    readonly revisionHistoryLimit: number;
  };
}

export function rootApplicationName(cluster: Pick<Cluster, 'name'>): string {
  return `${cluster.name}-root`;
}

/** The root Application's metadata and spec (cdk8s prop names: `repoUrl` is written as `repoURL`). */
export function rootApplicationSpec(p: RootApplicationParams): RootApplicationSpec {
  return {
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { ...MANAGED_BY, [CLUSTER_LABEL]: p.cluster },
      annotations: { [SYNC_WAVE]: '0' },
      // No resources finalizer: deleting the root by mistake must not cascade into deleting the whole platform.
    },
    spec: {
      project: p.project,
      destination: { server: p.server ?? IN_CLUSTER, namespace: p.namespace },
      source: { repoUrl: p.repoURL, targetRevision: p.targetRevision, path: p.path },
      syncPolicy: syncPolicy([]),
      revisionHistoryLimit: 5,
    },
  };
}

export class RootApplication extends Construct {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id);
    const { cluster } = props;
    new Application(
      this,
      'Resource',
      rootApplicationSpec({
        name: rootApplicationName(cluster),
        cluster: cluster.name,
        namespace: cluster.argocd.namespace,
        project: props.project,
        repoURL: cluster.gitops.repoURL,
        targetRevision: cluster.gitops.targetRevision,
        path: props.path,
        server: argocdHomeServer(cluster),
      }),
    );
  }
}
