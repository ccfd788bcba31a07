/**
 * idp-roles: ClusterRoles and ClusterRoleBindings that give identity-provider groups fixed permission levels. The AWS
 * bootstrap's access entries put IAM roles (assumed through the IdP) into exactly these Kubernetes groups.
 *
 * Levels nest through aggregation labels, so they grow with every CRD whose chart labels its roles for the built-in
 * view/edit roles: observer ⊂ reader ⊂ power-user; admin is cluster-admin.
 */
import { ApiObject, type Chart } from 'cdk8s';
import { MANAGED_BY } from '../../apps/labels.ts';
import type { Cluster } from '../../config/cluster.ts';
import { ACCESS_LEVELS, accessGroup, type AccessLevel } from '../../config/naming.ts';
import { list, obj, optional, show, str, type Infer, type Problem } from '../../config/schema.ts';
import { defineAddon } from '../addon.ts';

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
  /** Groups bound to the role cluster-wide. @default [] */
  groups: list(GROUP, { unique: true, default: [] }),
  /** Levels the rules are added to. @default [] */
  aggregateTo: list(str({ oneOf: AGGREGATABLE_LEVELS }), { unique: true, default: [] }),
});

export type CustomRole = Infer<typeof customRoleSchema>;

export interface IdpRolesProps {
  /** Group of each level, when it is not `platform:<level>` (see accessGroup in config/naming.ts). @default platform:<level> */
  readonly groups?: Readonly<Partial<Record<AccessLevel, string | undefined>>>;
  /** Extra ClusterRoles with their own rules, bound to groups and/or added to levels. @default [] */
  readonly customRoles?: readonly CustomRole[];
}

const READ = ['get', 'list', 'watch'];

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
const LEVEL_EXTRAS: Readonly<Record<'observer' | 'reader', readonly Record<string, string[]>[]>> = {
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

// resourceNames cannot narrow these: list/watch/deletecollection act on collections, create has no name yet.
const UNNAMEABLE_VERBS = ['list', 'watch', 'create', 'deletecollection'];
/** The only verbs a rule aggregated into the read-only levels may have. */
const READ_VERBS: readonly string[] = ['get', 'list', 'watch'];

const PATH = 'addons.idp-roles';

export function validateIdpRoles(cluster: Pick<Cluster, 'addons'>, props: IdpRolesProps): Problem[] {
  const problems: Problem[] = [];
  const byGroup = new Map<string, AccessLevel>();
  for (const level of ACCESS_LEVELS) {
    const group = accessGroup(cluster, level);
    const at = `${PATH}.groups.${level}`;
    if (group.startsWith('system:')) problems.push({ path: at, message: `got ${show(group)}; allowed: a group not starting with "system:" (reserved for Kubernetes)` });
    const other = byGroup.get(group);
    if (other) problems.push({ path: at, message: `got ${show(group)}, the group of ${other} too; allowed: one group per level` });
    byGroup.set(group, level);
  }
  const names = new Map<string, number>();
  (props.customRoles ?? []).forEach((role, i) => {
    const at = `${PATH}.customRoles[${i}]`;
    if (names.has(role.name)) problems.push({ path: `${at}.name`, message: `got ${show(role.name)}, the name of customRoles[${names.get(role.name)}] too; allowed: a name no other custom role has` });
    if (!names.has(role.name)) names.set(role.name, i);
    if (role.groups.length === 0 && role.aggregateTo.length === 0) {
      problems.push({ path: at, message: 'got no groups and no aggregateTo, so the role would grant nothing; allowed: at least one group or one level to aggregate to' });
    }
    const readOnlyLevel = role.aggregateTo.find((l) => l === 'observer' || l === 'reader');
    role.rules.forEach((rule, j) => {
      const writes = rule.verbs.filter((v) => !READ_VERBS.includes(v));
      if (readOnlyLevel && writes.length > 0) {
        problems.push({ path: `${at}.rules[${j}].verbs`, message: `got ${show(writes)} in a role aggregated to ${readOnlyLevel}; allowed: get, list, watch (observer and reader are read-only)` });
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
  return problems;
}

function clusterRole(scope: Chart, name: string, body: Record<string, unknown>, labels: Record<string, string> = {}): void {
  new ApiObject(scope, `clusterrole-${name}`, { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: { name, labels: { ...MANAGED_BY, ...labels } }, ...body });
}

function binding(scope: Chart, name: string, role: string, groups: readonly string[]): void {
  new ApiObject(scope, `clusterrolebinding-${name}`, {
    apiVersion: RBAC_V1,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...MANAGED_BY } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: groups.map((group) => ({ apiGroup: RBAC, kind: 'Group', name: group })),
  });
}

/** Adds the levels' ClusterRoles, their bindings to the configured groups, and the custom roles to `scope`. */
export function renderIdpRoles(scope: Chart, cluster: Pick<Cluster, 'addons'>, props: IdpRolesProps = {}): void {
  // admin: the built-in cluster-admin, nothing to aggregate.
  binding(scope, levelRoleName('admin'), 'cluster-admin', [accessGroup(cluster, 'admin')]);
  for (const level of AGGREGATABLE_LEVELS) {
    // No `rules` key: the aggregation controller owns it, so Argo CD has nothing to diff there.
    clusterRole(scope, levelRoleName(level), { aggregationRule: { clusterRoleSelectors: LEVEL_SELECTORS[level].map((matchLabels) => ({ matchLabels })) } });
    if (level === 'observer' || level === 'reader') {
      clusterRole(scope, `${levelRoleName(level)}-extras`, { rules: LEVEL_EXTRAS[level] }, { [aggregationLabel(level)]: 'true' });
    }
    binding(scope, levelRoleName(level), levelRoleName(level), [accessGroup(cluster, level)]);
  }
  for (const role of props.customRoles ?? []) {
    const rules = role.rules.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
    clusterRole(scope, customRoleName(role.name), { rules }, Object.fromEntries(role.aggregateTo.map((l) => [aggregationLabel(l), 'true'])));
    if (role.groups.length > 0) binding(scope, customRoleName(role.name), customRoleName(role.name), role.groups);
  }
}

export const idpRoles = defineAddon<IdpRolesProps>({
  id: 'idp-roles',
  dependsOn: [], // ClusterRoles and bindings only: no pods, no custom resources
  description: 'Permission levels (admin, power-user, observer, reader) for identity-provider groups',
  // Cluster-scoped objects only; kube-system always exists.
  namespace: 'kube-system',
  settings: {
    groups: optional(obj({ admin: optional(GROUP), 'power-user': optional(GROUP), observer: optional(GROUP), reader: optional(GROUP) })),
    customRoles: list(customRoleSchema, { default: [] }),
  },
  validate: ({ cluster, settings }) => validateIdpRoles(cluster, settings),
  manifests: (scope, { cluster, settings }) => renderIdpRoles(scope, cluster, settings),
});
