/**
 * Issue 13 ("Redaction as a guarantee" / least privilege): `validate` rejects RBAC that grants anonymous or all-users
 * access anywhere in synced output, including bindings embedded in Helm values (`valuesObject`, `extraObjects`,
 * YAML or JSON strings), and a binding of `cluster-admin` anywhere but the platform's own admin binding.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamDir } from '../src/paths.ts';
import { toYaml } from '../src/manifest-files.ts';
import { synth } from '../src/synth.ts';
import { openRbac } from '../src/validate/baseline.ts';
import { validateTree } from '../src/validate/engine.ts';
import { formatProblem } from '../src/validate/problems.ts';
import { SchemaRegistry } from '../src/validate/schemas.ts';
import { LocalSource, schemaSourceMissing } from '../src/validate/sources.ts';
import { editCluster, tempConfig } from './helpers.ts';

const UPSTREAM = upstreamDir();
const MISSING = schemaSourceMissing(UPSTREAM);

const binding = (subjects: unknown[], role = 'view') => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects });
const group = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });

describe('openRbac finds bindings that open the cluster, at any depth', () => {
  it('anonymous and all-users subjects, top-level or embedded, in YAML and JSON strings', () => {
    const paths = (v: unknown, own = false) => openRbac(v, own).map((p) => p.path.join('.'));
    for (const name of ['system:unauthenticated', 'system:anonymous', 'system:authenticated']) expect(paths(binding([group(name)])), name).toEqual(['subjects.0.name']);
    expect(paths(binding([{ kind: 'User', name: 'system:anonymous' }]))).toEqual(['subjects.0.name']);
    expect(paths({ RoleBinding: binding([{ kind: 'ServiceAccount', name: 'x', namespace: 'y' }, group('platform:admin')]) })).toEqual([]);
    expect(paths({ values: { extraObjects: [JSON.stringify({ ...binding([group('system:authenticated')]), kind: 'RoleBinding' })] } })).toEqual(['values.extraObjects.0.subjects.0.name']);
    expect(paths({ values: `extraObjects:\n  - ${JSON.stringify(binding([group('system:unauthenticated')]))}\n` })).toEqual(['values.extraObjects.0.subjects.0.name']);
    // A Helm template that does not parse is judged by its text.
    expect(paths({ t: 'kind: ClusterRoleBinding\nsubjects:\n  - {kind: Group, name: {{ .Values.g }}: system:authenticated}\n' })).toEqual(['t']);
  });

  it('cluster-admin: allowed only as the platform admin binding (a top-level object of addons/idp-roles)', () => {
    const admin = binding([group('platform:admin')], 'cluster-admin');
    expect(openRbac(admin, true)).toEqual([]);
    expect(openRbac(admin, false).map((p) => p.path.join('.'))).toEqual(['roleRef.name']);
    expect(openRbac({ spec: { valuesObject: { extraObjects: [admin] } } }, true).map((p) => p.path.join('.'))).toEqual(['spec.valuesObject.extraObjects.0.roleRef.name']);
  });
});

describe.skipIf(MISSING)(`validate rejects open RBAC in synced output${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  let work: string;
  let registry: SchemaRegistry;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'validate-rbac-'));
    registry = new SchemaRegistry(new LocalSource(UPSTREAM));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Synths `config` into a fresh folder and validates its dev cluster; `change` edits the output first. */
  async function synthAndValidate(config: string, change?: (dist: string) => void): Promise<string[]> {
    const out = mkdtempSync(join(work, 'dist-'));
    await synth({ configDir: config, outDir: out, clusters: ['dev'] });
    change?.(out);
    const result = await validateTree({ root: join(out, 'dev'), configDir: config, source: new LocalSource(UPSTREAM), registry, relativeTo: out });
    return result.problems.map(formatProblem);
  }

  it('the committed fixtures render output that passes', async () => {
    expect(await synthAndValidate(tempConfig())).toEqual([]);
  }, 60_000);

  it("rejects the issue's example: cert-manager extraObjects binding cluster-admin to system:unauthenticated", async () => {
    const config = tempConfig();
    const example = { kind: 'ClusterRoleBinding', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:unauthenticated' }] };
    editCluster(config, 'dev', (doc) => (doc.addons['cert-manager'] = { ...doc.addons['cert-manager'], values: { extraObjects: [example] } }));
    const problems = (await synthAndValidate(config)).filter((p) => /cluster-admin|system:unauthenticated/.test(p));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/dev\/apps\/application_argocd_dev-cert-manager\.yaml.*extraObjects\[0\]\.subjects\[0\]\.name.*binds "Group" "system:unauthenticated".*allowed: /);
    expect(problems.join('\n')).toMatch(/dev\/apps\/application_argocd_dev-cert-manager\.yaml.*extraObjects\[0\]\.roleRef\.name.*got "cluster-admin".*allowed: /);
  }, 60_000);

  it('rejects a hand-edited rendered binding to system:unauthenticated', async () => {
    const file = join('addons', 'idp-roles', 'clusterrolebinding_platform-admin.yaml');
    const problems = await synthAndValidate(tempConfig(), (out) => {
      const path = join(out, 'dev', file);
      const o = load(readFileSync(path, 'utf8')) as { subjects: unknown[] };
      o.subjects.push(group('system:unauthenticated'));
      writeFileSync(path, toYaml(o, 'a test'));
    });
    expect(problems).toEqual([expect.stringMatching(/^dev\/addons\/idp-roles\/clusterrolebinding_platform-admin\.yaml.*subjects\[1\]\.name.*binds "Group" "system:unauthenticated"/)]);
  }, 60_000);
});
