/**
 * The security baseline for what is rendered into dist/:
 * - every container of a rendered workload runs a pinned image (a tag other than `latest`, or a digest), sets CPU
 *   and memory requests and limits, runs as non-root, and forbids privilege escalation (and is not privileged);
 * - every Application has a sync wave, a project other than `default`, and pinned sources: a chart at an exact
 *   version, a foreign git repo at a commit SHA or a version tag, and this repository's dist/ at the cluster's
 *   configured `gitops.targetRevision` (the branch app-of-apps follows; what is on it is pinned by review);
 * - no Secret carries data (secrets come from External Secrets, never from git), at any depth: a Secret manifest
 *   inside Helm values (`valuesObject.extraObjects`, or a YAML or JSON string holding manifests) is committed just
 *   the same;
 * - no RBAC binding grants anonymous or all-users access, and none binds `cluster-admin` but the platform's own
 *   admin binding (addons/idp-roles), at any depth likewise.
 */
import { JSON_SCHEMA, loadAll } from 'js-yaml';
import { SYNC_WAVE } from '../../config/labels.ts';
import { show } from '../../config/schema.ts';
import { isMap } from '../../config/merge.ts';
import { isChartSource } from './helm.ts';
import { formatPath, objectRef, type ValidationProblem } from './problems.ts';
import type { ClusterTree, K8sObject, RenderedObject } from './tree.ts';
import { repoPath } from '../../config/naming.ts';

type Map_ = Record<string, unknown>;

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Where a workload kind keeps its pod spec. */
const POD_SPEC: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function at(o: unknown, path: readonly string[]): unknown {
  let v = o;
  for (const k of path) v = isMap(v) ? v[k] : undefined;
  return v;
}

/** Whether an image reference names a tag other than latest, or a digest. */
export function pinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const last = image.split('/').pop() ?? '';
  const i = last.lastIndexOf(':');
  return i > 0 && i < last.length - 1 && last.slice(i + 1) !== 'latest';
}

function checkWorkload(r: RenderedObject, add: (path: Array<string | number>, message: string) => void): void {
  const specPath = POD_SPEC[String(r.object.kind)];
  const podSpec = at(r.object, specPath);
  if (!isMap(podSpec)) return;
  const podSc = isMap(podSpec.securityContext) ? podSpec.securityContext : {};
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = Array.isArray(podSpec[list]) ? podSpec[list] : [];
    containers.forEach((c: unknown, i: number) => {
      if (!isMap(c)) return;
      const base = [...specPath, list, i];
      const image = c.image;
      if (typeof image !== 'string' || !pinnedImage(image)) {
        add([...base, 'image'], `got ${show(image)}; allowed: an image pinned by tag (not latest) or digest, e.g. "registry/name:1.2.3"`);
      }
      const resources = isMap(c.resources) ? c.resources : {};
      for (const kind of ['requests', 'limits'] as const) {
        const r = isMap(resources[kind]) ? (resources[kind] as Map_) : {};
        for (const res of ['cpu', 'memory']) {
          if (r[res] === undefined || r[res] === null || r[res] === '') add([...base, 'resources', kind, res], `missing; allowed: a ${res} ${kind === 'requests' ? 'request' : 'limit'} (every container sets CPU and memory requests and limits)`);
        }
      }
      const sc = isMap(c.securityContext) ? c.securityContext : {};
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      if (nonRoot !== true) add([...base, 'securityContext', 'runAsNonRoot'], `got ${show(nonRoot)}; allowed: true (here or in the pod's securityContext)`);
      const user = sc.runAsUser ?? podSc.runAsUser;
      if (user === 0) add([...base, 'securityContext', 'runAsUser'], 'got 0 (root); allowed: a non-zero user id');
      if (sc.allowPrivilegeEscalation !== false) add([...base, 'securityContext', 'allowPrivilegeEscalation'], `got ${show(sc.allowPrivilegeEscalation)}; allowed: false (Kubernetes defaults to true)`);
      if (sc.privileged === true) add([...base, 'securityContext', 'privileged'], 'got true; allowed: false or nothing');
    });
  }
}

function checkApplication(r: RenderedObject, tree: ClusterTree, add: (path: Array<string | number>, message: string) => void): void {
  const o = r.object;
  const wave = o.metadata?.annotations?.[SYNC_WAVE];
  if (typeof wave !== 'string' || !/^-?\d+$/.test(wave)) {
    add(['metadata', 'annotations', SYNC_WAVE], `got ${show(wave)}; allowed: an integer as a string, the add-on's sync wave`);
  }
  const spec = isMap(o.spec) ? o.spec : {};
  if (typeof spec.project !== 'string' || spec.project === '' || spec.project === 'default') {
    add(['spec', 'project'], `got ${show(spec.project)}; allowed: the cluster's own AppProject, not "default" (which allows everything)`);
  }
  const list: Array<{ path: Array<string | number>; source: Map_ }> = [];
  if (isMap(spec.source)) list.push({ path: ['spec', 'source'], source: spec.source });
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => isMap(s) && list.push({ path: ['spec', 'sources', i], source: s }));
  const s = tree.settings;
  for (const { path, source } of list) {
    const rev = source.targetRevision;
    const where = [...path, 'targetRevision'];
    if (isChartSource(source)) {
      if (typeof rev !== 'string' || !EXACT_VERSION.test(rev)) add(where, `got ${show(rev)}; allowed: an exact chart version such as "1.2.3" (no ranges, no latest)`);
      continue;
    }
    const ours = s && tree.name && source.repoURL === s.gitops.repoURL && typeof source.path === 'string' && source.path.startsWith(repoPath({ name: tree.name, gitops: s.gitops }, ''));
    if (ours) {
      if (rev !== s.gitops.targetRevision) add(where, `got ${show(rev)}; allowed: ${show(s.gitops.targetRevision)}, the cluster's gitops.targetRevision (${tree.name}'s dist/ is read from it)`);
    } else if (typeof rev !== 'string' || !(COMMIT.test(rev) || EXACT_VERSION.test(rev))) {
      add(where, `got ${show(rev)}; allowed: a full commit SHA or an exact version tag (no HEAD, branches or ranges) for a repository other than this one's dist/`);
    }
  }
}

/** Strings that may hold a manifest the baseline checks (YAML or JSON: `kind: Secret`, `"kind":"RoleBinding"`). */
const MENTIONS_KIND = /\bkind["']?\s*:\s*["']?(Secret|ClusterRoleBinding|RoleBinding)\b/;
const MENTIONS_SECRET = /\bkind["']?\s*:\s*["']?Secret\b/;
const SECRET_DATA = ['data', 'stringData', 'binaryData'];

/**
 * Visits every map in `value` at any depth (maps, lists, YAML or JSON documents inside strings that name a kind the
 * baseline checks) with its path below `path`; the value itself counts. A string naming such a kind that does not
 * parse (a Helm template: `extraObjects` strings are rendered with tpl) goes to `unparsed`. Shared YAML nodes
 * (aliases) are visited once, so a hostile alias bomb costs no more than its text.
 */
function visitMaps(value: unknown, path: Array<string | number>, visit: (m: Map_, path: Array<string | number>) => void, unparsed: (text: string, path: Array<string | number>) => void, seen = new WeakSet<object>()): void {
  if (typeof value === 'string') {
    if (!MENTIONS_KIND.test(value)) return;
    let docs: unknown[];
    try {
      docs = loadAll(value, null, { schema: JSON_SCHEMA });
    } catch {
      unparsed(value, path);
      return;
    }
    docs.forEach((d, i) => visitMaps(d, docs.length > 1 ? [...path, `(document ${i + 1})`] : path, visit, unparsed, seen));
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((x, i) => visitMaps(x, [...path, i], visit, unparsed, seen));
    return;
  }
  visit(value as Map_, path);
  for (const [k, x] of Object.entries(value)) visitMaps(x, [...path, k], visit, unparsed, seen);
}

/**
 * Every Secret with `data`, `stringData` or `binaryData` in `value`, at any depth (maps, lists, YAML or JSON
 * documents inside strings), as the path of its data key below `path`; the object itself counts when it is a Secret.
 */
export function secretsWithData(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  visitMaps(
    value,
    path,
    (m, p) => {
      if (m.kind !== 'Secret' || (m.apiVersion !== 'v1' && m.apiVersion !== undefined)) return;
      for (const k of SECRET_DATA) if ((isMap(m[k]) && Object.keys(m[k]).length > 0) || typeof m[k] === 'string') out.push([...p, k]);
    },
    (text, p) => {
      // Not YAML or JSON as it stands: judged by its text (a key opening a line, or following `{` or `,`).
      const key = MENTIONS_SECRET.test(text) ? /(?:^\s*|[{,]\s*)["']?(stringData|data|binaryData)["']?\s*:\s*(\S|\n\s+\S)/m.exec(text)?.[1] : undefined;
      if (key) out.push([...p, key]);
    },
  );
  return out;
}

/** Subjects that are anonymous or every user: binding a role to them opens it to anyone who can reach the API. */
const PUBLIC_SUBJECTS: Readonly<Record<string, readonly string[]>> = {
  Group: ['system:unauthenticated', 'system:anonymous', 'system:authenticated'],
  User: ['system:anonymous'],
};
/** Where the platform's own admin binding (`platform-admin`, ClusterRole `cluster-admin`) is rendered. */
const ADMIN_BINDING_DIR = 'addons/idp-roles/';

/**
 * RBAC bindings in `value` that open the cluster (at any depth, as `secretsWithData` finds Secrets), each with the
 * path of the bad key and a message:
 * - a ClusterRoleBinding or RoleBinding whose subjects include Group `system:unauthenticated`, `system:anonymous`,
 *   `system:authenticated` or User `system:anonymous`;
 * - a binding of ClusterRole `cluster-admin` anywhere but the platform's own admin binding, a top-level object of
 *   `addons/idp-roles/` (`ownAdmin`): never inside Helm values or another add-on.
 */
export function openRbac(value: unknown, ownAdmin: boolean): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const where = (p: Array<string | number>) => (p.length === 0 ? 'in dist/' : 'inside this object (e.g. Helm values), rendered into dist/');
  visitMaps(
    value,
    [],
    (m, p) => {
      if ((m.kind !== 'ClusterRoleBinding' && m.kind !== 'RoleBinding') || (m.apiVersion !== undefined && !String(m.apiVersion).startsWith('rbac.authorization.k8s.io/'))) return;
      (Array.isArray(m.subjects) ? m.subjects : []).forEach((s: unknown, i: number) => {
        if (!isMap(s) || !PUBLIC_SUBJECTS[String(s.kind)]?.includes(String(s.name))) return;
        out.push({
          path: [...p, 'subjects', i, 'name'],
          message: `a ${m.kind} ${where(p)} binds ${show(s.kind)} ${show(s.name)} (anonymous requests or every authenticated user); allowed: your identity provider's groups (e.g. "platform:admin") or service accounts`,
        });
      });
      const ref = isMap(m.roleRef) ? m.roleRef : {};
      if (ref.kind === 'ClusterRole' && ref.name === 'cluster-admin' && !(ownAdmin && p.length === 0)) {
        out.push({
          path: [...p, 'roleRef', 'name'],
          message: `got "cluster-admin": a ${m.kind} ${where(p)} grants full control of the cluster; allowed: a role with the rules the add-on needs (cluster-admin is bound only by the platform's own addons.idp-roles)`,
        });
      }
    },
    (text, p) => {
      // A Helm template of a binding: judged by its text.
      const bad = /system:(unauthenticated|anonymous|authenticated)\b|\bcluster-admin\b/.exec(text)?.[0];
      if (bad && /RoleBinding/.test(text)) out.push({ path: p, message: `a RoleBinding template ${where(p)} mentions ${show(bad)}; allowed: bindings to your identity provider's groups or service accounts, to roles other than cluster-admin` });
    },
  );
  return out;
}

export function checkBaseline(tree: ClusterTree): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const r of tree.objects) {
    const add = (path: Array<string | number>, message: string) => problems.push({ file: r.file, object: objectRef(r.object), path: formatPath(path), message, check: 'baseline' });
    const o: K8sObject = r.object;
    const core = o.apiVersion === 'v1';
    if (String(o.kind) in POD_SPEC && (core ? o.kind === 'Pod' || o.kind === 'ReplicationController' : true)) checkWorkload(r, add);
    if (o.kind === 'Application' && String(o.apiVersion).startsWith('argoproj.io/')) checkApplication(r, tree, add);
    for (const path of secretsWithData(o)) {
      const key = path[path.length - 1];
      const where = path.length === 1 ? 'in dist/' : 'inside this object (e.g. Helm values), rendered into dist/';
      add(path, `a Secret with ${key} ${where} (committed to git); allowed: no data — deliver secrets with an ExternalSecret`);
    }
    for (const { path, message } of openRbac(o, r.rel.startsWith(ADMIN_BINDING_DIR))) add(path, message);
  }
  return problems;
}
