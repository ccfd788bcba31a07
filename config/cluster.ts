/**
 * The cluster config: what a platform engineer writes in `config/clusters/<name>.yaml`, and the facts the AWS
 * bootstrap publishes (`config/facts/<name>.yaml`). Defaults live here; a cluster file holds only what differs.
 */
import { bool, freeMap, list, obj, optional, show, str, mapOf, type Infer, type Schema } from './schema.ts';
import { ACCESS_LEVELS, SERVICE_ACCOUNTS, type AccessLevel } from './naming.ts';

/** Lowercase DNS label, at most 24 characters: it prefixes IAM role names (64) and load-balancer names (32). */
export const CLUSTER_NAME = /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/;
export const CLUSTER_NAME_TEXT = 'a lowercase DNS label of at most 24 characters (a-z, 0-9, "-"; starting with a letter)';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** Where Argo CD runs; see `argocd.mode`. */
export const ARGOCD_MODES = ['in-cluster', 'management', 'eks-capability'] as const;

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** IPv4 or IPv6 CIDR syntax; the ranges (octets, prefix lengths, not /0) are checked in bootstrap/settings.ts. */
const CIDR = /^(?!.*\/0+$)((\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]*:[0-9a-fA-F:]*\/\d{1,3})$/;

/** Kubernetes minor versions EKS supports that the pinned schemas cover (1.28 through 1.36). */
const K8S_VERSION = /^1\.(2[89]|3[0-6])$/;

/** An access entry after loading: its level, plus custom roles of `addons.idp-roles.customRoles` whose groups it also gets. */
export interface AccessEntry {
  readonly level: AccessLevel;
  /** Names of custom roles (checked against `addons.idp-roles.customRoles` by idp-roles). @default [] */
  readonly customRoles: readonly string[];
}

/** `bootstrap.accessEntries.<arn>`: a level (`admin`), or `{ level: admin, customRoles: [oncall-restart] }`; loaded as the map form. */
const accessEntrySchema: Schema<AccessEntry> = (() => {
  const level = str({ oneOf: ACCESS_LEVELS });
  const full = obj({ level, customRoles: list(str({ pattern: /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, patternText: 'the name of a custom role in addons.idp-roles.customRoles' }), { unique: true, default: [] }) });
  const describe = `${level.describe}, or a map with keys level, customRoles`;
  return {
    describe,
    check(value, path, problems) {
      if (typeof value === 'string') return { level: level.check(value, path, problems), customRoles: [] };
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return full.check(value, path, problems);
      problems.push({ path, message: `got ${show(value)} (${Array.isArray(value) ? 'a list' : typeof value}); allowed: ${describe}` });
      return undefined as unknown as AccessEntry;
    },
  };
})();

export const baseClusterSchema = {
  name: str({ pattern: CLUSTER_NAME, patternText: CLUSTER_NAME_TEXT }),
  environment: str({ oneOf: ENVIRONMENTS }),
  aws: obj({
    accountId: str({ pattern: /^\d{12}$/, patternText: 'a quoted 12-digit AWS account id' }),
    region: str({ pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, patternText: 'an AWS region such as "eu-west-1"' }),
  }),
  kubernetesVersion: str({ pattern: K8S_VERSION, patternText: 'a quoted Kubernetes minor version from "1.28" to "1.36"' }),
  network: obj({
    vpcId: str({ pattern: /^vpc-[0-9a-f]{8,17}$/, patternText: 'a VPC id such as "vpc-0123456789abcdef0"' }),
    privateSubnetIds: list(str({ pattern: /^subnet-[0-9a-f]{8,17}$/, patternText: 'a subnet id such as "subnet-0123456789abcdef0"' }), {
      minItems: 2,
      unique: true,
    }),
  }),
  dns: obj({
    domain: str({
      pattern: /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      patternText: 'a lowercase DNS domain such as "dev.example.com"',
    }),
    hostedZoneId: str({ pattern: /^Z[A-Z0-9]{4,32}$/, patternText: 'a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"' }),
  }),
  gitops: obj({
    repoURL: str({
      // Printable ASCII only; credentials (https://user:token@…) are rejected for every URL by config/yaml.ts.
      pattern: /^(https:\/\/[!-~]+|ssh:\/\/[!-~]+|git@[!-9;-~]+:[!-~]+)$/,
      patternText: 'a git URL (https://, ssh:// or git@host:path) without credentials',
    }),
    /** Branch or tag Argo CD reads `dist/` from. @default "main" */
    // git's ref rules (git check-ref-format) that matter here: no "..", "//", leading "-" (read as an option), or
    // leading/trailing "/".
    targetRevision: str({ pattern: /^(?!-)(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]{1,200}$/, patternText: 'a git branch, tag or commit (no "..", "//", leading "-" or "/")', default: 'main' }),
    /** Folder of the rendered output in the repository. @default "dist" */
    // A path inside the repository: no segment may start with "." (so no "..", which would leave it).
    distPath: str({ pattern: /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, patternText: 'a relative folder such as "dist" (no segment starting with ".")', default: 'dist' }),
  }),
  argocd: obj({
    /**
     * Where Argo CD runs: `in-cluster` (this cluster's own Argo CD), `management` (a management cluster's Argo CD
     * reaches this cluster by its API server URL, the `clusterEndpoint` fact) or `eks-capability` (the EKS managed Argo
     * CD, an `AWS::EKS::Capability` of type ARGOCD created by the bootstrap stack). @default "in-cluster"
     */
    mode: str({ oneOf: ARGOCD_MODES, default: 'in-cluster' }),
    /** Namespace of Argo CD itself, where Applications and the AppProject live. @default "argocd" */
    namespace: str({ pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, patternText: 'a namespace name', default: 'argocd' }),
    /**
     * Fleet mode: IAM role in this cluster's account that the management Argo CD assumes (its cluster Secret's
     * awsAuthConfig.roleARN); give it an access entry under `bootstrap.accessEntries`. Required when `mode` is
     * `management` (the bootstrap refuses to render without it: nothing else would give that Argo CD access to this
     * cluster). @default none (only valid with mode "in-cluster")
     */
    roleArn: optional(str({ pattern: IAM_ROLE_ARN, patternText: 'an IAM role ARN such as "arn:aws:iam::222222222222:role/argocd-manager"' })),
    /**
     * Fleet mode: IAM role ARNs of the management Argo CD (the IRSA/Pod Identity roles of its application-controller
     * and server) that may assume `roleArn`. When given, the bootstrap stack creates `roleArn` (in this cluster's
     * account) trusting exactly these principals, with its own admin access entry (so `roleArn` must then not be in
     * `bootstrap.accessEntries`). @default [] (the role is created outside the stack)
     */
    roleTrustedBy: list(str({ pattern: IAM_ROLE_ARN, patternText: 'an IAM role ARN such as "arn:aws:iam::333333333333:role/argocd-controller"' }), { unique: true, default: [] }),
    /** `eks-capability` mode only: the managed Argo CD's sign-in and roles. @default none (required with that mode) */
    capability: optional(
      obj({
        /** IAM Identity Center instance (`aws sso-admin list-instances --query 'Instances[0].InstanceArn'`). */
        identityCenterInstanceArn: str({ pattern: /^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, patternText: 'an IAM Identity Center instance ARN such as "arn:aws:sso:::instance/ssoins-0123456789abcdef"' }),
        /** Region of the Identity Center instance. @default the cluster's aws.region */
        identityCenterRegion: optional(str({ pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, patternText: 'an AWS region such as "eu-west-1"' })),
        /** Argo CD role (ADMIN, EDITOR, VIEWER) → Identity Center group ids. @default {} */
        groups: mapOf(list(str({ pattern: /^[0-9a-f-]{10,64}$/, patternText: 'an Identity Center group id' }), { minItems: 1, unique: true }), {
          keyPattern: /^(ADMIN|EDITOR|VIEWER)$/,
          keyText: 'Argo CD roles (ADMIN, EDITOR, VIEWER)',
        }),
        /** Argo CD role (ADMIN, EDITOR, VIEWER) → Identity Center user ids. @default {} */
        users: mapOf(list(str({ pattern: /^[0-9a-f-]{10,64}$/, patternText: 'an Identity Center user id' }), { minItems: 1, unique: true }), {
          keyPattern: /^(ADMIN|EDITOR|VIEWER)$/,
          keyText: 'Argo CD roles (ADMIN, EDITOR, VIEWER)',
        }),
      }),
    ),
    /**
     * Mode `in-cluster`: run the self-managed Argo CD highly available (2 API servers, repo servers and
     * ApplicationSet controllers with PodDisruptionBudgets). @default true when `environment` is "prod", else false
     */
    ha: optional(bool()),
    /**
     * Mode `in-cluster`: Helm values of the argo-cd chart deep-merged over the platform's own (the user wins; lists
     * are replaced), checked by `validate` like an add-on's `values`. @default {}
     */
    values: freeMap(),
  }),
  /** The AWS bootstrap stack (bootstrap/, `dist/<cluster>/aws/cloudformation.json`). Every key has a default. */
  bootstrap: obj(
    {
      /**
       * IAM role ARN → idp-roles access level, or `{ level, customRoles }`; each becomes an EKS access entry in that
       * level's Kubernetes group plus the groups of the named custom roles. @default {}
       */
      accessEntries: mapOf(accessEntrySchema, {
        keyPattern: IAM_ROLE_ARN,
        keyText: 'IAM role ARNs such as "arn:aws:iam::111111111111:role/platform-admins"',
      }),
      endpoint: obj({
        /**
         * Who may reach the private API endpoint on TCP 443 (the management Argo CD, the operators' VPN): the stack
         * attaches a security group admitting exactly these sources to the cluster. Never 0.0.0.0/0 or ::/0.
         */
        privateAccessFrom: obj({
          /** IPv4 or IPv6 CIDRs. @default [] */
          cidrs: list(str({ pattern: CIDR, patternText: 'an IPv4 or IPv6 CIDR narrower than /0 (never 0.0.0.0/0 or ::/0), such as "10.20.0.0/16"' }), { unique: true, default: [] }),
          /** Managed prefix list ids. @default [] */
          prefixListIds: list(str({ pattern: /^pl-[0-9a-f]{8,17}$/, patternText: 'a prefix list id such as "pl-0123456789abcdef0"' }), { unique: true, default: [] }),
          /** Security group ids in this VPC (or a peered VPC of the same region). @default [] */
          securityGroupIds: list(str({ pattern: /^sg-[0-9a-f]{8,17}$/, patternText: 'a security group id such as "sg-0123456789abcdef0"' }), { unique: true, default: [] }),
        }),
        /** Also expose the API server publicly (the private endpoint is always on; the seeds use the VPN). @default false */
        public: bool({ default: false }),
        /** IPv4 CIDRs allowed to reach the public endpoint; required when `public` is true. @default [] */
        publicCidrs: list(str({ pattern: /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, patternText: 'an IPv4 CIDR such as "203.0.113.0/24"' }), { unique: true, default: [] }),
      }),
      /**
       * Keep the IAM identity that creates the stack as an implicit cluster admin. Create-time only: EKS cannot change
       * it on an existing cluster (a different value would replace the cluster, so `bootstrap plan`/`deploy` refuse
       * it); grant later access with `accessEntries`. @default false
       */
      clusterCreatorAdmin: bool({ default: false }),
      /** EKS managed add-on versions. @default the versions pinned for the cluster's Kubernetes version in bootstrap/settings.ts */
      addonVersions: obj({
        vpcCni: optional(str({ pattern: /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, patternText: 'an EKS add-on version such as "v1.19.5-eksbuild.1"' })),
        kubeProxy: optional(str({ pattern: /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, patternText: 'an EKS add-on version such as "v1.33.0-eksbuild.2"' })),
        coreDns: optional(str({ pattern: /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, patternText: 'an EKS add-on version such as "v1.12.1-eksbuild.2"' })),
      }),
      efs: obj({
        /** Move files not read for this long to Infrequent Access. @default "AFTER_30_DAYS" */
        transitionToIA: str({
          oneOf: ['AFTER_1_DAY', 'AFTER_7_DAYS', 'AFTER_14_DAYS', 'AFTER_30_DAYS', 'AFTER_60_DAYS', 'AFTER_90_DAYS', 'AFTER_180_DAYS', 'AFTER_270_DAYS', 'AFTER_365_DAYS'] as const,
          default: 'AFTER_30_DAYS',
        }),
        /** AWS Backup automatic backups of the file system. @default true */
        backup: bool({ default: true }),
      }),
    },
    { optional: true },
  ),
} satisfies Record<string, Schema<unknown>>;

/** Settings every add-on has under `addons.<id>`; add-ons can add keys of their own. */
export const commonAddonSchema = {
  /** @default the add-on's own default (true for all current add-ons) */
  enabled: optional(bool()),
  /** Chart version override (exact version; ranges are not allowed, so every sync is reproducible). @default the pinned version */
  version: optional(str({ pattern: /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, patternText: 'an exact chart version such as "3.13.1"' })),
  /** Helm values deep-merged over the add-on's own (the user wins; lists are replaced). @default {} */
  values: freeMap(),
} satisfies Record<string, Schema<unknown>>;

/** What the AWS bootstrap knows, written by `facts pull` from SSM Parameter Store. All optional: add-ons ask for what they need. */
export const factsSchema = obj(
  {
    /** EKS API server URL; required when Argo CD runs on a management cluster. */
    clusterEndpoint: optional(str({ pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, patternText: 'an https:// URL of a host, such as "https://ABC.gr7.eu-west-1.eks.amazonaws.com"' })),
    /** OIDC issuer host path for IRSA, e.g. `oidc.eks.eu-west-1.amazonaws.com/id/ABC`. */
    oidcProvider: optional(str({ pattern: /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Z0-9]+$/, patternText: 'an EKS OIDC issuer without https://' })),
    /** The EKS-created cluster security group (`ClusterSecurityGroupId`): Karpenter's nodes join with it. */
    clusterSecurityGroupId: optional(str({ pattern: /^sg-[0-9a-f]{8,17}$/, patternText: 'a security group id such as "sg-0123456789abcdef0"' })),
    /** EFS file system created by the bootstrap (its format is checked by the efs-controller add-on, which needs it). */
    efsFileSystemId: optional(str()),
    /** Karpenter's SQS interruption queue, when it differs from the naming convention. */
    karpenterInterruptionQueue: optional(str({ pattern: /^[A-Za-z0-9_-]{1,80}$/, patternText: 'an SQS queue name (letters, digits, "-" and "_", at most 80)' })),
    /** IAM role ARNs that differ from the naming convention, by controller. */
    roleArns: mapOf(str({ pattern: IAM_ROLE_ARN, patternText: 'an IAM role ARN' }), {
      keyPattern: new RegExp(`^(${Object.keys(SERVICE_ACCOUNTS).join('|')})$`),
      keyText: `controllers (${Object.keys(SERVICE_ACCOUNTS).join(', ')})`,
    }),
  },
  { optional: true },
);

export type Facts = Infer<typeof factsSchema>;

type BaseCluster = { readonly [K in keyof typeof baseClusterSchema]: Infer<(typeof baseClusterSchema)[K]> };

/** Per add-on config after defaults: common keys plus the add-on's own settings. */
export interface AddonConfig {
  readonly enabled: boolean;
  readonly version?: string;
  readonly values: Record<string, unknown>;
  /** The add-on's own keys, checked by its settings schema. */
  readonly settings: Record<string, unknown>;
}

/**
 * True when the cluster has no facts file yet (a new cluster between its first synth and `facts pull`): only its
 * bootstrap template can be rendered, everything else needs what the bootstrap publishes.
 */
export function awaitingFacts(cluster: Pick<Cluster, 'files'>): boolean {
  return cluster.files.facts === undefined;
}

/** A validated cluster: config file + facts file, defaults filled. */
export interface Cluster extends BaseCluster {
  readonly addons: Readonly<Record<string, AddonConfig>>;
  readonly facts: Facts;
  readonly files: {
    /** The cluster file as messages show it (relative to the working directory, or to `relativeTo`). */
    readonly config: string;
    /** The facts file as messages show it; undefined while the cluster awaits its facts (see awaitingFacts). */
    readonly facts?: string;
    /** The cluster file relative to the config folder's parent (`config/clusters/dev.yaml`): the same from any directory. */
    readonly source: string;
  };
}
