/** Labels and annotations the Argo CD layer puts on what it renders. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const CLUSTER_LABEL = 'eks-platform/cluster';
export const ADDON_LABEL = 'eks-platform/addon';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'eks-platform' } as const;

/** The Argo CD server address of the Argo CD instance's own cluster. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Top-level folder of the output that holds the fleet's ApplicationSet (cluster names cannot start with `_`). */
export const FLEET_DIR = '_fleet';
