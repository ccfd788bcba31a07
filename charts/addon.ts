/**
 * The contract between an add-on file and the pipeline. An add-on is a Helm chart (rendered as an Argo CD
 * Application with inline values), plain manifests (rendered into its dist/ folder, synced from git), or both
 * (a multi-source Application whose custom resources sync in a later resource-level wave than the chart).
 */
import type { Chart } from 'cdk8s';
import type { AddonConfig, Cluster } from '../config/cluster.ts';
import type { Problem, Schema } from '../config/schema.ts';
import type { Controller } from '../config/naming.ts';

/** The documented sync order. Each position has a fixed wave number, so adding an add-on never renumbers others. */
export const WAVES = {
  karpenter: 10,
  'karpenter-node-pools': 20,
  'idp-roles': 30,
  'metrics-server': 40,
  reloader: 50,
  'cert-manager': 60,
  'alb-controller': 70,
  'alb-ingress-group': 80,
  'external-dns': 90,
  'echo-server': 100,
  'efs-controller': 110,
  'external-secrets-operator': 120,
} as const;

export type AddonId = keyof typeof WAVES;

/** Resource-level wave for an add-on's custom resources inside a multi-source Application (the chart is at 0). */
export const CUSTOM_RESOURCE_WAVE = '10';

export interface HelmChartRef {
  /** Helm repository URL (https://) or OCI repository (oci://…, the chart's full path). */
  readonly repoURL: string;
  /** Chart name; empty for an OCI repoURL that names the chart itself. */
  readonly chart: string;
  /** Pinned chart version (from ../shared/upstream/PROVENANCE.md). */
  readonly version: string;
}

export interface GroupKind {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly kind: string;
}

export interface AddonContext<S> {
  readonly cluster: Cluster;
  /** This add-on's config under `addons.<id>` (enabled, version, values). */
  readonly config: AddonConfig;
  /** This add-on's own settings, checked by its settings schema, defaults filled. */
  readonly settings: S;
  /** Every add-on of the registry in use (enabled or not), e.g. to know the namespaces the platform owns. */
  readonly addons: readonly PlatformAddon[];
}

/** The part of an add-on definition other add-ons may look at: where it runs. */
export type PlatformAddon = Pick<AddonDefinition<unknown>, 'id' | 'namespace' | 'extraNamespaces'>;

export interface IgnoreDifference {
  readonly group?: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: string[];
  readonly jqPathExpressions?: string[];
}

/**
 * What an add-on needs from another add-on. The loader rejects a config that enables the add-on and disables `id`,
 * and test/dependencies.test.ts checks that `id` syncs in an earlier wave (WAVES) unless `soft` says why later is safe.
 */
export interface AddonDependency {
  readonly id: AddonId;
  /** What the dependent uses of `id`, in a few words, e.g. "the IngressClass alb and its controller". */
  readonly reason: string;
  /**
   * Set when `id` may sync in a later wave: why the dependent starts safely before it and picks it up once it is
   * there. It must still be enabled. @default undefined (`id` syncs in an earlier wave)
   */
  readonly soft?: string;
  /**
   * Set when the dependent still works with `id` disabled, only with less: what it then lacks. The loader accepts
   * `id` disabled; the wave order still applies. @default undefined (`id` must be enabled while the dependent is)
   */
  readonly optional?: string;
}

/** Pods of every add-on but Karpenter (on Fargate) and idp-roles (no pods) run on the nodes Karpenter launches. */
export const NEEDS_NODES: AddonDependency = {
  id: 'karpenter-node-pools',
  reason: 'its pods run on the nodes Karpenter launches for these NodePools; the cluster has no other nodes (Fargate runs only Karpenter and CoreDNS)',
};

export interface AddonDefinition<S = Record<string, never>> {
  readonly id: AddonId;
  /** One line for the README and the Application's description annotation. */
  readonly description: string;
  /** Namespace the add-on runs in (the Application's destination namespace). */
  readonly namespace: string;
  /** @default true */
  readonly enabledByDefault?: boolean;
  /** The Helm chart and its release name, for chart add-ons. */
  readonly chart?: HelmChartRef & { readonly releaseName: string };
  /**
   * A chart holding `chart`'s CRDs as templates, so every sync upgrades them (Helm never upgrades a chart's `crds/`).
   * Rendered as a second source of the same Application at the same version (a `version` override moves both);
   * `chart` is then rendered with `skipCrds`, so each CRD has one owner. @default none (the chart's own `crds/`)
   */
  readonly crdChart?: HelmChartRef & { readonly releaseName: string };
  /**
   * The controller whose IAM role the chart's service account assumes (IRSA), and where that `serviceAccount` block
   * sits in the values. After the user's values are merged, the pipeline checks that it still names the service
   * account the bootstrap's trust policy allows. @default none (no AWS access)
   */
  readonly irsa?: { readonly controller: Controller; readonly valuesPath: readonly string[] };
  /** Add-ons this one needs enabled (and synced before it, unless `soft`). @default [] */
  readonly dependsOn?: readonly AddonDependency[];
  /** Schema of the add-on's own keys under `addons.<id>` (besides enabled/version/values). */
  readonly settings?: { readonly [K in keyof S]: Schema<S[K]> };
  /** Cross-field and facts checks that a schema cannot express; return problems with paths from the file's root. */
  validate?(ctx: AddonContext<S>): Problem[];
  /** Helm values from the cluster's config and facts; the user's `values` are deep-merged over them. */
  values?(ctx: AddonContext<S>): Record<string, unknown>;
  /** Plain manifests (synced from git): constructs added to `scope`, each with an explicit name and namespace. */
  manifests?(scope: Chart, ctx: AddonContext<S>): void;
  /** Cluster-scoped kinds the chart installs (rendered ones are found automatically), for the AppProject whitelist. */
  readonly chartClusterKinds?: readonly GroupKind[];
  /** Namespaces besides `namespace` that the chart or manifests deploy into. @default [] */
  readonly extraNamespaces?: readonly string[];
  /** Use server-side apply (large CRDs exceed the client-side annotation limit). @default false */
  readonly serverSideApply?: boolean;
  /** Fields the cluster changes after apply, so the Application settles Synced. @default [] */
  readonly ignoreDifferences?: (ctx: AddonContext<S>) => IgnoreDifference[];
}

/** Identity function that infers the settings type from the definition. */
export function defineAddon<S>(definition: AddonDefinition<S>): AddonDefinition<S> {
  return definition;
}
