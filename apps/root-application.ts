/**
 * The root app-of-apps of a cluster: syncs `dist/<cluster>/apps` (the AppProject and one Application per add-on)
 * into Argo CD's namespace. Applied once by hand (see README); everything after that comes from git.
 */
import { Construct } from 'constructs';
import { Application } from '../imports/argocd-application-argoproj.io.ts';
import type { Cluster } from '../config/cluster.ts';
import { syncPolicy } from './addon-application.ts';
import { CLUSTER_LABEL, IN_CLUSTER, MANAGED_BY, SYNC_WAVE } from './labels.ts';

export interface RootApplicationProps {
  readonly cluster: Cluster;
  readonly project: string;
  /** Path of the cluster's apps/ folder in the git repo. */
  readonly path: string;
}

export class RootApplication extends Construct {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id);
    const { cluster } = props;
    new Application(this, 'Resource', {
      metadata: {
        name: `${cluster.name}-root`,
        namespace: cluster.argocd.namespace,
        labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name },
        annotations: { [SYNC_WAVE]: '0' },
        // No resources finalizer: deleting the root by mistake must not cascade into deleting the whole platform.
      },
      spec: {
        project: props.project,
        destination: { server: IN_CLUSTER, namespace: cluster.argocd.namespace },
        source: { repoUrl: cluster.gitops.repoURL, targetRevision: cluster.gitops.targetRevision, path: props.path },
        syncPolicy: syncPolicy([]),
        revisionHistoryLimit: 5,
      },
    });
  }
}
