import { describe, expect, it } from 'vitest';
import { WAVES } from '../charts/addon.ts';
import { aggregationLabel, idpRoles, readsSecrets } from '../charts/foundation/idp-roles.ts';
import { ACCESS_LEVELS, accessGroup } from '../config/naming.ts';
import { buildBootstrapTemplate } from '../bootstrap/template.ts';
import { needsUpstream, schemaProblems, UPSTREAM_MISSING } from './schema-helpers.ts';
import { addonContext, configErrors, editCluster, exampleCluster, fixtureCluster, parse, renderAddon, renderFixture, tempConfig, type RenderedAddon } from './helpers.ts';

const FOLDER = 'addons/idp-roles';
type Rendered = Pick<RenderedAddon, 'files'>;
/** The fixture's rendered files, or with `settings` replacing its addons.idp-roles keys: the add-on's hooks in memory. */
const render = (cluster: string, settings?: Record<string, unknown>): Rendered => (settings ? renderAddon(idpRoles, { cluster, settings }) : renderFixture(cluster));
const settingsOf = (cluster: string) => fixtureCluster(cluster).addons['idp-roles'].settings as Record<string, any>;
const objects = (r: Rendered) => [...r.files.keys()].filter((f) => f.startsWith(`${FOLDER}/`)).map((f) => parse(r, f));
const role = (r: Rendered, name: string) => parse(r, `${FOLDER}/clusterrole_${name}.yaml`);
const bindingOf = (r: Rendered, name: string) => parse(r, `${FOLDER}/clusterrolebinding_${name}.yaml`);
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** The rendered ClusterRoles whose labels one of `selectors` matches: what an aggregated role is built from (besides built-ins). */
function aggregatedInto(r: Rendered, name: string): Record<string, any>[] {
  const selectors: { matchLabels: Record<string, string> }[] = role(r, name).aggregationRule.clusterRoleSelectors;
  return objects(r).filter(
    (o) => o.kind === 'ClusterRole' && selectors.some((s) => Object.entries(s.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v)),
  );
}

describe('idp-roles Application', () => {
  it.each(['dev', 'prod'])('%s: syncs its folder from git, after the node pools and before metrics-server', (cluster) => {
    const app = parse(render(cluster), `apps/application_argocd_${cluster}-idp-roles.yaml`);
    expect(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBe(WAVES['idp-roles']);
    expect(WAVES['karpenter-node-pools']).toBeLessThan(WAVES['idp-roles']);
    expect(WAVES['idp-roles']).toBeLessThan(WAVES['metrics-server']);
    expect(app.spec.source.path).toBe(`dist/${cluster}/${FOLDER}`);
    // Only built-in kinds: nothing to wait for.
    expect(app.spec.syncPolicy.syncOptions).not.toContain('SkipDryRunOnMissingResource=true');
  });
});

describe('idp-roles bindings', () => {
  it('binds each level to exactly the group accessGroup returns (the bootstrap maps IAM roles to these)', () => {
    const r = render('dev');
    const cluster = exampleCluster('dev');
    const expected = { admin: 'cluster-admin', 'power-user': 'platform-reader', observer: 'platform-observer', reader: 'platform-reader' };
    for (const level of ACCESS_LEVELS) {
      const b = bindingOf(r, level === 'power-user' ? 'platform-power-user-read' : `platform-${level}`);
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: expected[level] });
      expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: accessGroup(cluster, level) }]);
      expect(accessGroup(cluster, level)).toBe(`platform:${level}`);
    }
  });

  it('uses renamed groups from addons.idp-roles.groups', () => {
    const renamed = { groups: { admin: 'okta:platform-admins', observer: 'okta:everyone' } };
    const r = render('dev', renamed);
    expect(bindingOf(r, 'platform-admin').subjects[0].name).toBe('okta:platform-admins');
    expect(bindingOf(r, 'platform-observer').subjects[0].name).toBe('okta:everyone');
    expect(bindingOf(r, 'platform-reader').subjects[0].name).toBe('platform:reader');
    expect(accessGroup(addonContext(idpRoles, { settings: renamed }).cluster, 'admin')).toBe('okta:platform-admins');
  });

  it('renders a writing custom role with its rules, bound only in the workload namespaces, prefixed so it cannot replace another role', () => {
    const r = render('prod', { ...settingsOf('prod'), workloadNamespaces: ['shop', 'payments'] });
    const custom = role(r, 'platform-custom-oncall-restart');
    expect(custom.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    ]);
    expect(r.files.has(`${FOLDER}/clusterrolebinding_platform-custom-oncall-restart.yaml`)).toBe(false);
    for (const ns of ['shop', 'payments']) {
      const b = parse(r, `${FOLDER}/rolebinding_${ns}_platform-custom-oncall-restart.yaml`);
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'platform-custom-oncall-restart' });
      expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'platform:oncall' }]);
    }
    expect(objects(render('dev')).some((o) => o.metadata.name.startsWith('platform-custom-'))).toBe(false);
  });

  it('binds a role that only reads, but reaches into containers (exec, proxy), per workload namespace', () => {
    const r = render('dev', { ...settingsOf('dev'), customRoles: [{ name: 'debug', groups: ['okta:debug'], rules: [{ resources: ['pods', 'pods/exec'], verbs: ['get'] }] }] });
    expect(r.files.has(`${FOLDER}/clusterrolebinding_platform-custom-debug.yaml`)).toBe(false);
    expect(parse(r, `${FOLDER}/rolebinding_apps_platform-custom-debug.yaml`).roleRef.name).toBe('platform-custom-debug');
  });

  it('binds a read-only custom role cluster-wide', () => {
    const rules = [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list'] }];
    const b = bindingOf(render('dev', { customRoles: [{ name: 'cert-viewers', groups: ['okta:certs'], rules }] }), 'platform-custom-cert-viewers');
    expect(b.kind).toBe('ClusterRoleBinding');
    expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'okta:certs' }]);
  });

  it('creates each workload Namespace, never pruned or deleted by Argo CD', () => {
    const ns = parse(render('dev'), `${FOLDER}/namespace_apps.yaml`);
    expect(ns.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' });
  });

  it('adds a custom role to a level through its aggregation label, without a binding of its own', () => {
    const r = render('dev', { customRoles: [{ name: 'read-certs', aggregateTo: ['reader'], rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get', 'list'] }] }] });
    expect(role(r, 'platform-custom-read-certs').metadata.labels[aggregationLabel('reader')]).toBe('true');
    expect(r.files.has(`${FOLDER}/clusterrolebinding_platform-custom-read-certs.yaml`)).toBe(false);
    expect(aggregatedInto(r, 'platform-reader').map((o) => o.metadata.name)).toContain('platform-custom-read-certs');
    expect(aggregatedInto(r, 'platform-observer').map((o) => o.metadata.name)).not.toContain('platform-custom-read-certs');
  });
});

describe('idp-roles levels', () => {
  const r = render('dev');

  it('builds observer from view plus nodes and events, so it cannot read Secrets', () => {
    const observer = role(r, 'platform-observer');
    expect(observer.rules).toBeUndefined(); // the aggregation controller owns them
    expect(observer.aggregationRule.clusterRoleSelectors).toEqual([
      { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      { matchLabels: { 'eks-platform/aggregate-to-observer': 'true' } },
    ]);
    const rules: Rule[] = aggregatedInto(r, 'platform-observer').flatMap((o) => o.rules);
    expect(rules.some((rule) => rule.resources.includes('nodes') && rule.verbs.includes('list'))).toBe(true);
    expect(rules.some((rule) => rule.apiGroups.includes('events.k8s.io') && rule.resources.includes('events'))).toBe(true);
    expect(rules.filter(readsSecrets)).toEqual([]);
    expect(rules.flatMap((rule) => rule.verbs).every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    // The check can fail.
    expect(readsSecrets({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] })).toBe(true);
    expect(readsSecrets({ apiGroups: ['*'], resources: ['*'], verbs: ['list'] })).toBe(true);
  });

  it('gives reader CRDs, StorageClasses and Karpenter objects on top of observer, still read-only and without Secrets', () => {
    const readerRoles = aggregatedInto(r, 'platform-reader');
    expect(readerRoles.map((o) => o.metadata.name).sort()).toEqual(['platform-observer-extras', 'platform-reader-extras']);
    const rules: Rule[] = readerRoles.flatMap((o) => o.rules);
    const grants = (group: string, resource: string) => rules.some((x) => x.apiGroups.includes(group) && x.resources.includes(resource) && x.verbs.includes('list'));
    expect(grants('apiextensions.k8s.io', 'customresourcedefinitions')).toBe(true);
    expect(grants('storage.k8s.io', 'storageclasses')).toBe(true);
    expect(grants('karpenter.sh', 'nodepools')).toBe(true);
    expect(grants('karpenter.k8s.aws', 'ec2nodeclasses')).toBe(true);
    expect(rules.filter(readsSecrets)).toEqual([]);
    expect(role(r, 'platform-reader').aggregationRule.clusterRoleSelectors).toContainEqual({ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } });
  });

  it('builds power-user from edit plus everything reader sees, bound by a RoleBinding in each workload namespace only', () => {
    const selectors = role(r, 'platform-power-user').aggregationRule.clusterRoleSelectors;
    expect(selectors).toContainEqual({ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } });
    expect(selectors).toContainEqual({ matchLabels: { 'eks-platform/aggregate-to-reader': 'true' } });
    expect(r.files.has(`${FOLDER}/clusterrolebinding_platform-power-user.yaml`)).toBe(false);
    const b = parse(r, `${FOLDER}/rolebinding_apps_platform-power-user.yaml`);
    expect(b.metadata.namespace).toBe('apps');
    expect(b.roleRef.name).toBe('platform-power-user');
    expect(b.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'platform:power-user' }]);
    const rolebindings = objects(r).filter((o) => o.kind === 'RoleBinding');
    expect(rolebindings.map((o) => o.metadata.namespace)).toEqual(['apps']);
  });

  it.skipIf(UPSTREAM_MISSING).each(['dev', 'prod'])(needsUpstream('%s: every object is valid against the pinned Kubernetes schemas'), async (cluster) => {
    expect(await schemaProblems(objects(render(cluster)))).toEqual([]);
    // A misspelt field is caught, so the check above can fail.
    const bad = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleref: {} };
    expect((await schemaProblems([bad])).join('\n')).toMatch(/ClusterRoleBinding\/x: roleref: unknown field/);
  });
});

describe('idp-roles validation', () => {
  const errors = (block: Record<string, unknown>): string[] => renderAddon(idpRoles, { settings: block }).errors;
  const P = 'clusters/dev.yaml: addons.idp-roles';
  const rule = { resources: ['pods'], verbs: ['get'] };

  it('fails a group level the schema does not know', () => {
    expect(errors({ groups: { admins: 'x' } })).toEqual([`${P}.groups.admins: unknown key (did you mean "admin"?); allowed: admin, power-user, observer, reader`]);
  });

  it('fails a system: group', () => {
    expect(errors({ groups: { admin: 'system:masters' } })).toEqual([`${P}.groups.admin: got "system:masters"; allowed: a group not starting with "system:" (reserved for Kubernetes)`]);
  });

  it('fails a custom role bound to system:unauthenticated (issue 13 #1), like a level group', () => {
    const readAllSecrets = { name: 'read-all-secrets', groups: ['system:unauthenticated'], rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] };
    expect(errors({ workloadNamespaces: ['apps'], customRoles: [readAllSecrets] })).toEqual([
      `${P}.customRoles[0].groups[0]: got "system:unauthenticated"; allowed: a group not starting with "system:" (reserved for Kubernetes)`,
    ]);
    // Without workload namespaces it could not apply anywhere either: both problems at once.
    expect(errors({ customRoles: [readAllSecrets] })).toEqual([
      `${P}.customRoles[0].groups[0]: got "system:unauthenticated"; allowed: a group not starting with "system:" (reserved for Kubernetes)`,
      `${P}.customRoles[0].groups: got ["system:unauthenticated"] for a role that writes, reads Secrets or reaches into containers, which applies only in workloadNamespaces, and there are none; allowed: set addons.idp-roles.workloadNamespaces, or a read-only role (get, list, watch; no Secrets, exec or proxy)`,
    ]);
  });

  it("fails a custom role bound to a level's group", () => {
    expect(errors({ groups: { reader: 'okta:readers' }, customRoles: [{ name: 'x', groups: ['okta:readers'], rules: [rule] }] })).toEqual([
      `${P}.customRoles[0].groups[0]: got "okta:readers", the group of reader; allowed: a group of no level (add the rules to a level with aggregateTo)`,
    ]);
  });

  it.each(['kube-system', 'kube-node-lease', 'argocd', 'karpenter', 'external-secrets', 'echo-server', 'alb-ingress-group'])('fails the platform namespace %s as a workload namespace', (ns) => {
    const [message, ...rest] = errors({ workloadNamespaces: ['apps', ns] });
    expect(rest).toEqual([]);
    expect(message).toMatch(new RegExp(`^${P}\\.workloadNamespaces\\[1\\]: got "${ns}", a namespace of the platform; allowed: a namespace other than .*\\bcert-manager\\b`));
  });

  it('fails one group for two levels', () => {
    expect(errors({ groups: { reader: 'platform:observer' } })).toEqual([`${P}.groups.reader: got "platform:observer", the group of observer too; allowed: one group per level`]);
  });

  it('fails an unknown verb', () => {
    expect(errors({ customRoles: [{ name: 'x', groups: ['g'], rules: [{ resources: ['pods'], verbs: ['read'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].verbs[0]: got "read" (string); allowed: one of "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "use", "approve", "sign", "*"`,
    ]);
  });

  it('fails empty resources and an empty resource name', () => {
    expect(errors({ customRoles: [{ name: 'x', groups: ['g'], rules: [{ resources: [], verbs: ['get'] }, { resources: [''], verbs: ['get'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].resources: got [] (a list); allowed: a list of at least 1 of a resource such as "pods" or "pods/log", or "*", without repeats`,
      `${P}.customRoles[0].rules[1].resources[0]: got "" (string); allowed: a resource such as "pods" or "pods/log", or "*"`,
    ]);
  });

  it('fails a role that grants nothing', () => {
    expect(errors({ customRoles: [{ name: 'x', rules: [rule] }] })).toEqual([
      `${P}.customRoles[0]: got no groups and no aggregateTo, so the role would grant nothing; allowed: at least one group or one level to aggregate to`,
    ]);
  });

  it('fails two custom roles with one name', () => {
    expect(errors({ customRoles: [{ name: 'x', groups: ['g'], rules: [rule] }, { name: 'x', groups: ['h'], rules: [rule] }] })).toEqual([
      `${P}.customRoles[1].name: got "x", the name of customRoles[0] too; allowed: a name no other custom role has`,
    ]);
  });

  it('fails Secrets in a role aggregated to a read-only level', () => {
    expect(errors({ customRoles: [{ name: 'x', aggregateTo: ['observer'], rules: [{ resources: ['configmaps', 'secrets'], verbs: ['get'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].resources: got ["configmaps","secrets"] in a role aggregated to observer; allowed: rules that do not read Secrets (observer and reader never do)`,
    ]);
  });

  it('fails exec, proxy or "*" resources in a role aggregated to a read-only level', () => {
    expect(errors({ customRoles: [{ name: 'x', aggregateTo: ['observer'], rules: [{ resources: ['pods/exec', 'services/proxy'], verbs: ['get'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].resources: got ["pods/exec","services/proxy"] in a role aggregated to observer; allowed: no "*", exec, attach, portforward or proxy resources (they reach into containers)`,
    ]);
  });

  it('fails write verbs in a role aggregated to a read-only level', () => {
    expect(errors({ customRoles: [{ name: 'x', aggregateTo: ['reader'], rules: [{ resources: ['pods'], verbs: ['get', 'delete', '*'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].verbs: got ["delete","*"] in a role aggregated to reader; allowed: get, list, watch (observer and reader are read-only)`,
    ]);
  });

  it('fails resourceNames with verbs they cannot restrict', () => {
    expect(errors({ customRoles: [{ name: 'x', groups: ['g'], rules: [{ resources: ['configmaps'], verbs: ['get', 'list'], resourceNames: ['app'] }] }] })).toEqual([
      `${P}.customRoles[0].rules[0].resourceNames: got resourceNames with verbs ["list"], which resourceNames cannot restrict; allowed: resourceNames only with get, update, patch or delete`,
    ]);
  });
});

describe('access entries with custom roles (issue 13 #2: custom-role groups are reachable)', () => {
  const ONCALL = 'arn:aws:iam::222222222222:role/platform-oncall';

  it("puts a level's group and its custom roles' groups into the EKS access entry", () => {
    const t = buildBootstrapTemplate(exampleCluster('prod'));
    const entries = Object.values(t.Resources).filter((r) => r.Type === 'AWS::EKS::AccessEntry' && r.Properties.PrincipalArn === ONCALL);
    expect(entries.map((e) => e.Properties.KubernetesGroups)).toEqual([['platform:observer', 'platform:oncall']]);
    // A plain level still works and gets only its level's group.
    const auditors = Object.values(t.Resources).find((r) => r.Properties.PrincipalArn === 'arn:aws:iam::222222222222:role/auditors')!;
    expect(auditors.Properties.KubernetesGroups).toEqual(['platform:reader']);
  });

  function errors(entry: unknown): string[] {
    const dir = tempConfig();
    editCluster(dir, 'prod', (d) => {
      d.bootstrap.accessEntries[ONCALL] = entry;
      d.addons['idp-roles'].customRoles.push({ name: 'cert-readers', aggregateTo: ['reader'], rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['get'] }] });
    });
    return configErrors(dir, ['prod']);
  }
  const P = `clusters/prod.yaml: bootstrap.accessEntries.${ONCALL}`;

  it('fails an unknown custom role name, and one without groups', () => {
    expect(errors({ level: 'observer', customRoles: ['oncall-restrat', 'cert-readers'] })).toEqual([
      `${P}.customRoles[0]: got "oncall-restrat"; allowed: the name of a custom role in addons.idp-roles.customRoles (oncall-restart, cert-readers)`,
      `${P}.customRoles[1]: got "cert-readers", a role with no groups; allowed: a custom role with groups`,
    ]);
  });

  it('fails custom roles in an access entry when idp-roles is disabled', () => {
    const dir = tempConfig();
    editCluster(dir, 'prod', (d) => (d.addons['idp-roles'].enabled = false));
    expect(() => buildBootstrapTemplate(exampleCluster('prod', dir))).toThrow(
      `clusters/prod.yaml: bootstrap.accessEntries.${ONCALL}.customRoles: got ["oncall-restart"] with addons.idp-roles disabled; allowed: [] (custom roles are defined and bound by idp-roles)`,
    );
  });

  it('fails an entry that is neither a level nor a map with level and customRoles', () => {
    expect(errors(['observer'])).toEqual([`${P}: got ["observer"] (a list); allowed: one of "admin", "power-user", "observer", "reader", or a map with keys level, customRoles`]);
    expect(errors({ customRoles: ['oncall-restart'] })).toEqual([`${P}.level: missing; allowed: one of "admin", "power-user", "observer", "reader"`]);
    expect(errors({ level: 'root' })).toEqual([`${P}.level: got "root" (string); allowed: one of "admin", "power-user", "observer", "reader"`]);
  });
});
