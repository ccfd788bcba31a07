/**
 * idp-roles: ClusterRoles and ClusterRoleBindings that give identity-provider groups fixed permission levels. The AWS
 * bootstrap's access entries put IAM roles (assumed through the IdP) into exactly these Kubernetes groups.
 *
 * Levels nest through aggregation labels, so they grow with every CRD whose chart labels its roles for the built-in
 * view/edit roles: observer ⊂ reader ⊂ power-user; admin is cluster-admin.
 *
 * Where each applies: the read levels (observer, reader) and read-only custom roles are bound cluster-wide. Write
 * levels (power-user, and custom roles with a write verb or a read of Secrets) are bound only in the cluster's
 * `workloadNamespaces`, through one RoleBinding per namespace: RBAC cannot select namespaces by label, and a
 * ClusterRoleBinding would reach the platform's own namespaces, where `edit` means running pods as the controllers'
 * service accounts (and so their IAM roles). power-user keeps reader's cluster-wide view.
 */
import { ApiObject, type Chart } from 'cdk8s';
import { MANAGED_BY } from '../../config/labels.ts';
import type { Cluster } from '../../config/cluster.ts';
import { ACCESS_LEVELS, accessGroup, SERVICE_ACCOUNTS, type AccessLevel } from '../../config/naming.ts';
import { list, obj, optional, show, str, type Infer, type Problem } from '../../config/schema.ts';
import { defineAddon, type PlatformAddon } from '../addon.ts';
import { KEEP_ANNOTATIONS } from '../common.ts';

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_V1 = `${RBAC}/v1`;

/** Levels a custom role can add its rules to (admin already has everything). */
export const AGGREGATABLE_LEVELS = ['observer', 'reader', 'power-user'] as const;
type AggregatableLevel = (typeof AGGREGATABLE_LEVELS)[number];

/** Label that adds a ClusterRole's rules to a level (and to the levels above it). */
export function aggregationLabel(level: AggregatableLevel): string {
  return `eks-platform/aggregate-to-${level}`;
}

/** Name of the ClusterRole and ClusterRoleBinding of a level. */
export function levelRoleName(level: AccessLevel): string {
  return `platform-${level}`;
}

/** Name of a custom role's ClusterRole and ClusterRoleBinding: prefixed, so it can never replace a built-in or a chart's role. */
export function customRoleName(name: string): string {
  return `platform-custom-${name}`;
}

/** Kubernetes RBAC verbs. */
export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'impersonate', 'bind', 'escalate', 'use', 'approve', 'sign', '*'] as const;

const GROUP = str({ pattern: /^[^\s]{1,128}$/, patternText: 'a group name without spaces, at most 128 characters' });
const NAMESPACE = str({ pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, patternText: 'a namespace name' });

/** Namespaces Kubernetes itself owns (kube-apiserver creates them). */
const KUBERNETES_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;

/**
 * The platform's own namespaces, sorted: Kubernetes' (kube-system, kube-public, kube-node-lease), Argo CD's
 * (`argocd.namespace`), every add-on's `namespace` and `extraNamespaces` (enabled or not, so enabling one later opens
 * no hole), and the IRSA service accounts' (config/naming.ts). No write level is ever bound in these.
 */
export function platformNamespaces(cluster: Pick<Cluster, 'argocd'>, addons: readonly PlatformAddon[]): string[] {
  const all = [
    ...KUBERNETES_NAMESPACES,
    cluster.argocd.namespace,
    ...addons.flatMap((a) => [a.namespace, ...(a.extraNamespaces ?? [])]),
    ...Object.values(SERVICE_ACCOUNTS).map((sa) => sa.namespace),
  ];
  return [...new Set(all)].sort();
}

const ruleSchema = obj({
  /** @default [""] (the core group) */
  apiGroups: list(str({ pattern: /^(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?|)$/, patternText: 'an API group such as "apps", "" for core, or "*"' }), { minItems: 1, unique: true, default: [''] }),
  resources: list(str({ pattern: /^(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]+)?)$/, patternText: 'a resource such as "pods" or "pods/log", or "*"' }), { minItems: 1, unique: true }),
  verbs: list(str({ oneOf: VERBS }), { minItems: 1, unique: true }),
  /** @default any name */
  resourceNames: optional(list(str({ pattern: /^\S+$/, patternText: 'an object name' }), { minItems: 1, unique: true })),
});

const customRoleSchema = obj({
  name: str({ pattern: /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, patternText: 'a lowercase name such as "ci-deployer"' }),
  rules: list(ruleSchema, { minItems: 1 }),
  /** Groups bound to the role: cluster-wide if it only reads (and not Secrets), else in each workload namespace. @default [] */
  groups: list(GROUP, { unique: true, default: [] }),
  /** Levels the rules are added to. @default [] */
  aggregateTo: list(str({ oneOf: AGGREGATABLE_LEVELS }), { unique: true, default: [] }),
});

export type CustomRole = Infer<typeof customRoleSchema>;

/** The add-on's settings as the hooks get them: the loader fills every default from the `settings` schema below. */
export interface IdpRolesProps {
  /** Group of each level, when it is not `platform:<level>` (see accessGroup in config/naming.ts). @default platform:<level> */
  readonly groups?: Readonly<Partial<Record<AccessLevel, string | undefined>>>;
  /** Extra ClusterRoles with their own rules, bound to groups and/or added to levels. */
  readonly customRoles: readonly CustomRole[];
  /**
   * Namespaces where power-user and writing custom roles apply (a RoleBinding each; the Namespace is created if
   * missing and never pruned or deleted). None may be a platform namespace (see platformNamespaces). With none, the write levels apply nowhere.
   */
  readonly workloadNamespaces: readonly string[];
}

/** Read verbs: the only ones observer, reader and cluster-wide custom roles may have. */
const READ: readonly string[] = ['get', 'list', 'watch'];

/** What each aggregated level selects; a level sees its own label and every label below it. */
const LEVEL_SELECTORS: Readonly<Record<AggregatableLevel, readonly Record<string, string>[]>> = {
  // view never includes Secrets (upstream keeps them out of view on purpose: they hold service-account tokens).
  observer: [{ [`${RBAC}/aggregate-to-view`]: 'true' }, { [aggregationLabel('observer')]: 'true' }],
  reader: [{ [`${RBAC}/aggregate-to-view`]: 'true' }, { [aggregationLabel('observer')]: 'true' }, { [aggregationLabel('reader')]: 'true' }],
  'power-user': [
    { [`${RBAC}/aggregate-to-edit`]: 'true' },
    { [aggregationLabel('observer')]: 'true' },
    { [aggregationLabel('reader')]: 'true' },
    { [aggregationLabel('power-user')]: 'true' },
  ],
};

/** Rules each level adds on top of the built-in role it aggregates. */
const LEVEL_EXTRAS: Readonly<Record<'observer' | 'reader', readonly Record<string, readonly string[]>[]>> = {
  observer: [
    { apiGroups: [''], resources: ['nodes', 'events', 'namespaces'], verbs: READ },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
    { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: READ },
  ],
  reader: [
    { apiGroups: [''], resources: ['persistentvolumes'], verbs: READ },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
    { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'csidrivers', 'csinodes', 'volumeattachments'], verbs: READ },
    { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: READ },
    { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: READ },
    { apiGroups: [RBAC], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: READ },
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: READ },
    { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: READ },
    { apiGroups: ['karpenter.sh'], resources: ['nodepools', 'nodeclaims'], verbs: READ },
    { apiGroups: ['karpenter.k8s.aws'], resources: ['ec2nodeclasses'], verbs: READ },
  ],
};

/** Whether a rule lets its holder read Secrets. */
export function readsSecrets(rule: { apiGroups: readonly string[]; resources: readonly string[]; verbs: readonly string[] }): boolean {
  return (
    rule.apiGroups.some((g) => g === '' || g === '*') &&
    rule.resources.some((r) => r === 'secrets' || r === '*') &&
    rule.verbs.some((v) => ['get', 'list', 'watch', '*'].includes(v))
  );
}

/**
 * Whether a rule reaches into running containers even with read verbs: `pods/exec`, `pods/attach`,
 * `pods/portforward` and the `.../proxy` subresources open streams on `get`, and `*` includes them.
 */
export function reachesContainers(rule: { resources: readonly string[] }): boolean {
  return rule.resources.some((r) => r === '*' || /\/(exec|attach|portforward|proxy)$/.test(r));
}

/**
 * Whether a role is bound per workload namespace: it has a write verb, reads Secrets (they hold service-account
 * tokens) or reaches into containers (see reachesContainers).
 */
export function bindsPerNamespace(role: Pick<CustomRole, 'rules'>): boolean {
  return role.rules.some((rule) => readsSecrets(rule) || reachesContainers(rule) || rule.verbs.some((v) => !READ.includes(v)));
}

/** Problems of a group name that every bound group shares, level or custom role. */
function groupProblems(group: string, at: string): Problem[] {
  return group.startsWith('system:') ? [{ path: at, message: `got ${show(group)}; allowed: a group not starting with "system:" (reserved for Kubernetes)` }] : [];
}

// resourceNames cannot narrow these: list/watch/deletecollection act on collections, create has no name yet.
const UNNAMEABLE_VERBS = ['list', 'watch', 'create', 'deletecollection'];

const PATH = 'addons.idp-roles';

/**
 * Checks of `addons.idp-roles` a schema cannot express, with paths from the cluster file's root: groups (no
 * `system:` group, one group per level, no custom-role group that is a level's), custom roles (unique names, each
 * grants something, read-only levels stay read-only and without Secrets, resourceNames only where they narrow),
 * `workloadNamespaces` (none of `platform`, see platformNamespaces) and the custom roles named by
 * `bootstrap.accessEntries` (they exist and have groups).
 */
export function validateIdpRoles(cluster: Pick<Cluster, 'addons' | 'bootstrap'>, props: IdpRolesProps, platform: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const byGroup = new Map<string, AccessLevel>();
  for (const level of ACCESS_LEVELS) {
    const group = accessGroup(cluster, level);
    const at = `${PATH}.groups.${level}`;
    problems.push(...groupProblems(group, at));
    const other = byGroup.get(group);
    if (other) problems.push({ path: at, message: `got ${show(group)}, the group of ${other} too; allowed: one group per level` });
    byGroup.set(group, level);
  }
  const { workloadNamespaces } = props;
  workloadNamespaces.forEach((ns, i) => {
    if (platform.includes(ns)) {
      problems.push({ path: `${PATH}.workloadNamespaces[${i}]`, message: `got ${show(ns)}, a namespace of the platform; allowed: a namespace other than ${platform.join(', ')}` });
    }
  });
  const names = new Map<string, number>();
  props.customRoles.forEach((role, i) => {
    const at = `${PATH}.customRoles[${i}]`;
    if (names.has(role.name)) problems.push({ path: `${at}.name`, message: `got ${show(role.name)}, the name of customRoles[${names.get(role.name)}] too; allowed: a name no other custom role has` });
    if (!names.has(role.name)) names.set(role.name, i);
    if (role.groups.length === 0 && role.aggregateTo.length === 0) {
      problems.push({ path: at, message: 'got no groups and no aggregateTo, so the role would grant nothing; allowed: at least one group or one level to aggregate to' });
    }
    role.groups.forEach((group, k) => {
      problems.push(...groupProblems(group, `${at}.groups[${k}]`));
      const level = byGroup.get(group);
      if (level) problems.push({ path: `${at}.groups[${k}]`, message: `got ${show(group)}, the group of ${level}; allowed: a group of no level (add the rules to a level with aggregateTo)` });
    });
    if (role.groups.length > 0 && workloadNamespaces.length === 0 && bindsPerNamespace(role)) {
      problems.push({
        path: `${at}.groups`,
        message: `got ${show(role.groups)} for a role that writes, reads Secrets or reaches into containers, which applies only in workloadNamespaces, and there are none; allowed: set ${PATH}.workloadNamespaces, or a read-only role (get, list, watch; no Secrets, exec or proxy)`,
      });
    }
    const readOnlyLevel = role.aggregateTo.find((l) => l === 'observer' || l === 'reader');
    role.rules.forEach((rule, j) => {
      const writes = rule.verbs.filter((v) => !READ.includes(v));
      if (readOnlyLevel && writes.length > 0) {
        problems.push({ path: `${at}.rules[${j}].verbs`, message: `got ${show(writes)} in a role aggregated to ${readOnlyLevel}; allowed: get, list, watch (observer and reader are read-only)` });
      }
      if (readOnlyLevel && reachesContainers(rule)) {
        problems.push({ path: `${at}.rules[${j}].resources`, message: `got ${show(rule.resources)} in a role aggregated to ${readOnlyLevel}; allowed: no "*", exec, attach, portforward or proxy resources (they reach into containers)` });
      }
      if (readOnlyLevel && readsSecrets(rule)) {
        problems.push({ path: `${at}.rules[${j}].resources`, message: `got ${show(rule.resources)} in a role aggregated to ${readOnlyLevel}; allowed: rules that do not read Secrets (observer and reader never do)` });
      }
      const unnameable = rule.verbs.filter((v) => UNNAMEABLE_VERBS.includes(v));
      if (rule.resourceNames && unnameable.length > 0) {
        problems.push({ path: `${at}.rules[${j}].resourceNames`, message: `got resourceNames with verbs ${show(unnameable)}, which resourceNames cannot restrict; allowed: resourceNames only with get, update, patch or delete` });
      }
    });
  });
  for (const [arn, entry] of Object.entries(cluster.bootstrap.accessEntries)) {
    entry.customRoles.forEach((name, k) => {
      const at = `bootstrap.accessEntries.${arn}.customRoles[${k}]`;
      const role = props.customRoles.find((r) => r.name === name);
      if (!role) problems.push({ path: at, message: `got ${show(name)}; allowed: the name of a custom role in ${PATH}.customRoles (${[...names.keys()].join(', ') || 'there are none'})` });
      else if (role.groups.length === 0) problems.push({ path: at, message: `got ${show(name)}, a role with no groups; allowed: a custom role with groups` });
    });
  }
  return problems;
}

function clusterRole(scope: Chart, name: string, body: Record<string, unknown>, labels: Record<string, string> = {}): void {
  new ApiObject(scope, `clusterrole-${name}`, { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: { name, labels: { ...MANAGED_BY, ...labels } }, ...body });
}

/** A ClusterRoleBinding (no namespace) or, with `namespace`, a RoleBinding of ClusterRole `role` to `groups`. */
function binding(scope: Chart, name: string, role: string, groups: readonly string[], namespace?: string): void {
  new ApiObject(scope, namespace ? `rolebinding-${namespace}-${name}` : `clusterrolebinding-${name}`, {
    apiVersion: RBAC_V1,
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { ...MANAGED_BY } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: groups.map((group) => ({ apiGroup: RBAC, kind: 'Group', name: group })),
  });
}

/** Binds `role` where it applies: cluster-wide, or (`perNamespace`) by a RoleBinding in each workload namespace. */
function bindWhereItApplies(scope: Chart, name: string, groups: readonly string[], perNamespace: boolean, workloadNamespaces: readonly string[]): void {
  if (!perNamespace) binding(scope, name, name, groups);
  else for (const ns of workloadNamespaces) binding(scope, name, name, groups, ns);
}

/**
 * Adds to `scope` the levels' ClusterRoles and their bindings to the configured groups (read levels cluster-wide,
 * power-user's edit per workload namespace plus reader cluster-wide), the custom roles, and the workload Namespaces
 * (created if missing, never pruned or deleted by Argo CD: they hold the teams' workloads).
 */
export function renderIdpRoles(scope: Chart, cluster: Pick<Cluster, 'addons'>, props: IdpRolesProps): void {
  const { workloadNamespaces } = props;
  for (const ns of workloadNamespaces) {
    new ApiObject(scope, `namespace-${ns}`, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...MANAGED_BY }, annotations: { ...KEEP_ANNOTATIONS } },
    });
  }
  // admin: the built-in cluster-admin, nothing to aggregate.
  binding(scope, levelRoleName('admin'), 'cluster-admin', [accessGroup(cluster, 'admin')]);
  for (const level of AGGREGATABLE_LEVELS) {
    // No `rules` key: the aggregation controller owns it, so Argo CD has nothing to diff there.
    clusterRole(scope, levelRoleName(level), { aggregationRule: { clusterRoleSelectors: LEVEL_SELECTORS[level].map((matchLabels) => ({ matchLabels })) } });
    if (level === 'observer' || level === 'reader') {
      clusterRole(scope, `${levelRoleName(level)}-extras`, { rules: LEVEL_EXTRAS[level] }, { [aggregationLabel(level)]: 'true' });
    }
    const group = accessGroup(cluster, level);
    if (level === 'power-user') {
      // A new name rather than a new roleRef: roleRef is immutable, so the old binding is pruned instead of failing to update.
      binding(scope, `${levelRoleName(level)}-read`, levelRoleName('reader'), [group]);
      bindWhereItApplies(scope, levelRoleName(level), [group], true, workloadNamespaces);
    } else {
      binding(scope, levelRoleName(level), levelRoleName(level), [group]);
    }
  }
  for (const role of props.customRoles) {
    const rules = role.rules.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
    clusterRole(scope, customRoleName(role.name), { rules }, Object.fromEntries(role.aggregateTo.map((l) => [aggregationLabel(l), 'true'])));
    if (role.groups.length > 0) bindWhereItApplies(scope, customRoleName(role.name), role.groups, bindsPerNamespace(role), workloadNamespaces);
  }
}

export const idpRoles = defineAddon<IdpRolesProps>({
  id: 'idp-roles',
  dependsOn: [], // ClusterRoles and bindings only: no pods, no custom resources
  description: 'Permission levels (admin, power-user, observer, reader) for identity-provider groups',
  // Cluster-scoped objects and RoleBindings in the workload namespaces (rendered ones are found); kube-system always exists.
  namespace: 'kube-system',
  settings: {
    groups: optional(obj({ admin: optional(GROUP), 'power-user': optional(GROUP), observer: optional(GROUP), reader: optional(GROUP) })),
    customRoles: list(customRoleSchema, { default: [] }),
    workloadNamespaces: list(NAMESPACE, { unique: true, default: [] }),
  },
  validate: ({ cluster, settings, addons }) => validateIdpRoles(cluster, settings, platformNamespaces(cluster, addons)),
  manifests: (scope, { cluster, settings }) => renderIdpRoles(scope, cluster, settings),
});
