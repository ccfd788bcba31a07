/**
 * Who can create pods or read Secrets in each platform namespace, computed from the rendered RBAC objects alone
 * (ClusterRoles with their aggregation rules and labels, ClusterRoleBindings, Roles, RoleBindings) plus the built-in
 * roles those objects can aggregate. The answer must be the platform itself (system groups, its own service
 * accounts) and the admin level, whatever the levels and custom roles say.
 */
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { platformNamespaces } from '../charts/foundation/idp-roles.ts';
import { ADDONS } from '../charts/registry.ts';
import { accessGroup } from '../config/naming.ts';
import type { RenderedCluster } from '../src/render.ts';
import { editCluster, exampleCluster, render, tempConfig } from './helpers.ts';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };
type Obj = Record<string, any>;
type Subject = { kind: string; name: string; namespace?: string };

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
/**
 * The built-in ClusterRoles that rendered roles can aggregate (by these labels) or bind, reduced to the rules that
 * matter here. From kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (v1.33): view never reads
 * Secrets; edit adds pod create and Secret read; admin adds RBAC; cluster-admin is everything.
 */
const BUILT_IN: Obj[] = [
  { kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  { kind: 'ClusterRole', metadata: { name: 'admin' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-admin`]: 'true' } }] } },
  { kind: 'ClusterRole', metadata: { name: 'edit', labels: { [`${RBAC}/aggregate-to-admin`]: 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }] } },
  { kind: 'ClusterRole', metadata: { name: 'view', labels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-view`]: 'true' } }] } },
  {
    kind: 'ClusterRole',
    metadata: { name: 'system:aggregate-to-admin', labels: { [`${RBAC}/aggregate-to-admin`]: 'true' } },
    rules: [{ apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }],
  },
  {
    kind: 'ClusterRole',
    metadata: { name: 'system:aggregate-to-edit', labels: { [`${RBAC}/aggregate-to-edit`]: 'true' } },
    rules: [
      { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
      { apiGroups: [''], resources: ['secrets', 'configmaps', 'services', 'serviceaccounts'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update', ...READ] },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'statefulsets'], verbs: ['create', 'delete', 'patch', 'update'] },
    ],
  },
  {
    kind: 'ClusterRole',
    metadata: { name: 'system:aggregate-to-view', labels: { [`${RBAC}/aggregate-to-view`]: 'true' } },
    rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'pods/log', 'configmaps', 'services', 'deployments'], verbs: READ }],
  },
];

const has = (list: readonly string[] | undefined, value: string) => (list ?? []).includes(value) || (list ?? []).includes('*');

/** Rules of a ClusterRole after aggregation: its own, plus those of every ClusterRole its selectors match, transitively. */
function effectiveRules(name: string, clusterRoles: readonly Obj[], seen = new Set<string>()): Rule[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const role = clusterRoles.find((r) => r.metadata.name === name);
  if (!role) return [];
  const selectors: Record<string, string>[] = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s: Obj) => s.matchLabels ?? {});
  const aggregated = clusterRoles.filter((r) => selectors.some((sel) => Object.entries(sel).every(([k, v]) => r.metadata.labels?.[k] === v)));
  return [...(role.rules ?? []), ...aggregated.flatMap((r) => effectiveRules(r.metadata.name, clusterRoles, seen))];
}

/** Whether the rules allow `verb` on a core-group resource for every object name (a resourceNames rule does not). */
const allows = (rules: readonly Rule[], verb: string, resource: string) =>
  rules.some((r) => has(r.apiGroups ?? [''], '') && has(r.resources, resource) && has(r.verbs, verb) && !r.resourceNames);

const CAPABILITIES = {
  'create pods': (rules: readonly Rule[]) => allows(rules, 'create', 'pods'),
  'read Secrets': (rules: readonly Rule[]) => allows(rules, 'get', 'secrets') || allows(rules, 'list', 'secrets'),
  // A websocket exec has long needed only `get` on pods/exec, so either verb counts.
  'exec into pods': (rules: readonly Rule[]) => allows(rules, 'get', 'pods/exec') || allows(rules, 'create', 'pods/exec'),
};
type Capability = keyof typeof CAPABILITIES;

/** Subjects that have `capability` in `namespace` through any binding among `objects` (rendered RBAC plus built-ins). */
export function whoCan(objects: readonly Obj[], namespace: string, capability: Capability): Subject[] {
  const clusterRoles = [...BUILT_IN, ...objects.filter((o) => o.kind === 'ClusterRole')];
  const rulesOf = (ref: Obj, bindingNamespace?: string): Rule[] =>
    ref.kind === 'ClusterRole'
      ? effectiveRules(ref.name, clusterRoles)
      : (objects.find((o) => o.kind === 'Role' && o.metadata.name === ref.name && o.metadata.namespace === bindingNamespace)?.rules ?? []);
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' || (o.kind === 'RoleBinding' && o.metadata.namespace === namespace));
  const found = bindings.filter((b) => CAPABILITIES[capability](rulesOf(b.roleRef, b.metadata.namespace))).flatMap((b) => b.subjects ?? []);
  return [...new Map(found.map((s: Subject) => [`${s.kind}/${s.namespace ?? ''}/${s.name}`, s])).values()];
}

const RBAC_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
/** Every RBAC object in a cluster's rendered files. */
function rbacObjects(r: RenderedCluster): Obj[] {
  return [...r.files.entries()].filter(([f]) => f.endsWith('.yaml')).map(([, text]) => load(text) as Obj).filter((o) => o && RBAC_KINDS.includes(o.kind));
}

/** A cluster with every way to grant access: writing, Secret-reading, aggregated and read-only custom roles. */
function hostileConfig(): string {
  const dir = tempConfig();
  editCluster(dir, 'dev', (d) => {
    d.addons['idp-roles'] = {
      groups: { admin: 'okta:admins' },
      workloadNamespaces: ['apps', 'shop'],
      customRoles: [
        { name: 'deployer', groups: ['okta:ci'], rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], verbs: ['create', 'patch'] }] },
        { name: 'secret-readers', groups: ['okta:sre'], rules: [{ resources: ['secrets'], verbs: ['get', 'list'] }] },
        { name: 'everything', groups: ['okta:ops'], rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
        { name: 'more-power', aggregateTo: ['power-user'], rules: [{ resources: ['pods', 'secrets'], verbs: ['create', 'get'] }] },
        { name: 'debuggers', groups: ['okta:debug'], rules: [{ resources: ['pods', 'pods/exec', 'pods/log'], verbs: READ }] },
        { name: 'cert-viewers', groups: ['okta:certs'], rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: READ }] },
      ],
    };
  });
  return dir;
}

describe('RBAC reachability of the platform namespaces (issue 13 #2)', () => {
  const dir = hostileConfig();
  const cluster = exampleCluster('dev', dir);
  const rendered = render('dev', dir);
  const objects = rbacObjects(rendered);
  const platform = platformNamespaces(cluster, ADDONS);

  it('knows every namespace the platform deploys to (the AppProject destinations are platform or workload namespaces)', () => {
    expect(platform).toEqual(expect.arrayContaining(['argocd', 'kube-system', 'karpenter', 'cert-manager', 'external-dns', 'external-secrets', 'reloader', 'alb-ingress-group', 'echo-server']));
    const project = load(rendered.files.get('apps/appproject_argocd_dev-platform.yaml')!) as Obj;
    const destinations: string[] = project.spec.destinations.map((d: Obj) => d.namespace);
    expect(destinations.filter((ns) => !platform.includes(ns))).toEqual(['apps', 'shop']);
  });

  const allowed = (s: Subject) =>
    (s.kind === 'Group' && (s.name === accessGroup(cluster, 'admin') || s.name.startsWith('system:'))) ||
    (s.kind === 'ServiceAccount' && platform.includes(s.namespace ?? ''));

  it.each(Object.keys(CAPABILITIES) as Capability[])('only the platform and admin can %s in any platform namespace', (capability) => {
    for (const ns of platform) {
      const who = whoCan(objects, ns, capability);
      expect(who.filter((s) => !allowed(s)), `${capability} in ${ns}`).toEqual([]);
      expect(who).toContainEqual({ apiGroup: RBAC, kind: 'Group', name: 'okta:admins' });
    }
  });

  it('still lets power-user and the writing custom roles do their work in the workload namespaces', () => {
    const names = (ns: string, c: Capability) => whoCan(objects, ns, c).map((s) => s.name).sort();
    expect(names('apps', 'create pods')).toEqual(['okta:admins', 'okta:ci', 'okta:ops', 'platform:power-user']);
    expect(names('shop', 'read Secrets')).toEqual(['okta:admins', 'okta:ops', 'okta:sre', 'platform:power-user']);
    expect(names('shop', 'exec into pods')).toEqual(['okta:admins', 'okta:debug', 'okta:ops', 'platform:power-user']);
  });

  it('finds the holes of the old bindings, so the checks above can fail', () => {
    const crb = (name: string, role: string, group: string) => ({ kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { kind: 'ClusterRole', name: role }, subjects: [{ kind: 'Group', name: group }] });
    const old = [
      ...objects,
      // Before: power-user's aggregated edit bound cluster-wide, and a custom role bound cluster-wide.
      crb('platform-power-user', 'platform-power-user', 'platform:power-user'),
      crb('platform-custom-read-all-secrets', 'platform-custom-secret-readers', 'okta:everyone'),
    ];
    expect(whoCan(old, 'karpenter', 'create pods').map((s) => s.name)).toContain('platform:power-user');
    expect(whoCan(old, 'kube-system', 'read Secrets').map((s) => s.name)).toEqual(expect.arrayContaining(['platform:power-user', 'okta:everyone']));
    // A rule limited by resourceNames reads only the named Secrets.
    expect(CAPABILITIES['read Secrets']([{ resources: ['secrets'], verbs: ['get'], resourceNames: ['one'] }])).toBe(false);
  });
});
