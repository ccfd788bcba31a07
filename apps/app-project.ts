/**
 * One AppProject per cluster, least privilege: only the git repo and the chart repos its add-ons use, only the
 * namespaces they deploy to, and only the cluster-scoped kinds that are rendered or that their charts install.
 */
import { Construct } from 'constructs';
import { AppProject } from '../imports/argocd-appproject-argoproj.io.ts';
import type { GroupKind } from '../charts/addon.ts';
import type { Cluster } from '../config/cluster.ts';
import { argocdHomeServer, destinationServer } from './addon-application.ts';
import { CLUSTER_LABEL, MANAGED_BY, SYNC_WAVE } from '../config/labels.ts';

export interface PlatformProjectProps {
  readonly cluster: Cluster;
  /** Chart repositories the cluster's Applications use. */
  readonly chartRepos: readonly string[];
  /** Namespaces the add-ons deploy to. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped kinds rendered or installed by charts. */
  readonly clusterKinds: readonly GroupKind[];
}

export function projectName(cluster: Pick<Cluster, 'name'>): string {
  return `${cluster.name}-platform`;
}

const sorted = <T>(items: Iterable<T>, key: (t: T) => string): T[] =>
  [...new Map([...items].map((i) => [key(i), i])).values()].sort((a, b) => key(a).localeCompare(key(b), 'en'));

export class PlatformProject extends Construct {
  readonly project: AppProject;

  constructor(scope: Construct, id: string, props: PlatformProjectProps) {
    super(scope, id);
    const { cluster } = props;
    const server = destinationServer(cluster);
    this.project = new AppProject(this, 'Resource', {
      metadata: {
        name: projectName(cluster),
        namespace: cluster.argocd.namespace,
        labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name },
        // Before the Applications that belong to it.
        annotations: { [SYNC_WAVE]: '-1' },
      },
      spec: {
        description: `Platform add-ons of cluster ${cluster.name} (${cluster.environment}, ${cluster.aws.region})`,
        sourceRepos: [cluster.gitops.repoURL, ...sorted(props.chartRepos, (r) => r)],
        // Never Argo CD's own namespace: a chart here must not be able to write argocd-cm or cluster Secrets.
        destinations: sorted(props.namespaces, (n) => n)
          .filter((namespace) => server !== argocdHomeServer(cluster) || namespace !== cluster.argocd.namespace)
          .map((namespace) => ({ server, namespace })),
        clusterResourceWhitelist: sorted(
          [{ group: '', kind: 'Namespace' }, ...props.clusterKinds],
          (k) => `${k.group}/${k.kind}`,
        ).map(({ group, kind }) => ({ group, kind })),
      },
    });
  }
}

/** Metadata of a cluster's AppProject in Argo CD's namespace, synced before the Applications that belong to it. */
function projectMetadata(cluster: Cluster, name: string) {
  return { name, namespace: cluster.argocd.namespace, labels: { ...MANAGED_BY, [CLUSTER_LABEL]: cluster.name }, annotations: { [SYNC_WAVE]: '-1' } };
}

export function rootProjectName(cluster: Pick<Cluster, 'name'>): string {
  return `${cluster.name}-root`;
}

/**
 * The project of the root app-of-apps: it may only write this cluster's Applications and AppProjects, from the
 * git repo, into Argo CD's namespace. Applied by hand once (before the root Application), then synced like the rest.
 */
export class RootProject extends Construct {
  constructor(scope: Construct, id: string, props: { readonly cluster: Cluster }) {
    super(scope, id);
    const { cluster } = props;
    new AppProject(this, 'Resource', {
      metadata: projectMetadata(cluster, rootProjectName(cluster)),
      spec: {
        description: `Root app-of-apps of cluster ${cluster.name}: its Applications and AppProjects only`,
        sourceRepos: [cluster.gitops.repoURL],
        destinations: [{ server: argocdHomeServer(cluster), namespace: cluster.argocd.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'Application' },
          { group: 'argoproj.io', kind: 'AppProject' },
        ],
      },
    });
  }
}

export function argocdProjectName(cluster: Pick<Cluster, 'name'>): string {
  return `${cluster.name}-argocd`;
}

export interface ArgoCdProjectProps {
  readonly cluster: Cluster;
  /** Helm repository of the argo-cd chart. */
  readonly chartRepo: string;
  /** Cluster-scoped kinds the chart installs (its CRDs, ClusterRoles and ClusterRoleBindings). */
  readonly clusterKinds: readonly GroupKind[];
}

/**
 * The project of the self-managed Argo CD (`argocd.mode: in-cluster`): only the argo-cd chart's repository, only
 * Argo CD's own namespace on its own cluster, and only the cluster-scoped kinds that chart installs. The add-ons'
 * project never gets Argo CD's namespace; this one gets nothing else.
 */
export class ArgoCdProject extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    super(scope, id);
    const { cluster } = props;
    new AppProject(this, 'Resource', {
      metadata: projectMetadata(cluster, argocdProjectName(cluster)),
      spec: {
        description: `Argo CD itself on cluster ${cluster.name}: the argo-cd chart into ${cluster.argocd.namespace} only`,
        sourceRepos: [props.chartRepo],
        destinations: [{ server: argocdHomeServer(cluster), namespace: cluster.argocd.namespace }],
        clusterResourceWhitelist: sorted(props.clusterKinds, (k) => `${k.group}/${k.kind}`).map(({ group, kind }) => ({ group, kind })),
      },
    });
  }
}
