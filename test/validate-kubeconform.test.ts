/**
 * The `validate` command (output format, exit codes) and the kubeconform engine: the schemas written in
 * kubeconform's layout give the same verdicts as the built-in engine, and kubeconform is called with them.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Validator } from '@cfworker/json-schema';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.ts';
import { upstreamDir } from '../src/paths.ts';
import { FIXTURE_CONFIG } from './helpers.ts';
import { toYaml } from '../src/manifest-files.ts';
import { synth } from '../src/synth.ts';
import { validateTree } from '../src/validate/engine.ts';
import { builtinFile, crdFile, writeKubeconformSchemas } from '../src/validate/kubeconform.ts';
import { SchemaRegistry } from '../src/validate/schemas.ts';
import { LocalSource, schemaSourceMissing } from '../src/validate/sources.ts';

const UPSTREAM = upstreamDir();
const MISSING = schemaSourceMissing(UPSTREAM);
const CONFIG = FIXTURE_CONFIG;
let work: string;
let dist: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const code = await main(['validate', ...args, '--config', FIXTURE_CONFIG, '--cache-dir', join(work, 'cache')]);
  return { code, out, err };
}

describe('kubeconform layout', () => {
  it('names schema files the way kubeconform looks them up', () => {
    expect(builtinFile('v1.28.0', 'apps/v1', 'Deployment')).toBe('v1.28.0-standalone-strict/deployment-apps-v1.json');
    expect(builtinFile('v1.36.0', 'v1', 'ConfigMap')).toBe('v1.36.0-standalone-strict/configmap-v1.json');
    expect(builtinFile('v1.28.0', 'rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe('v1.28.0-standalone-strict/clusterrole-rbac-v1.json');
    expect(crdFile('karpenter.sh/v1', 'NodePool')).toBe('crds/karpenter.sh/nodepool_v1.json');
  });
});

describe.skipIf(MISSING)(`validate command and kubeconform engine${MISSING ? ` (skipped: ${MISSING})` : ''}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'validate-cli-'));
    dist = join(work, 'dist');
    await synth({ configDir: CONFIG, outDir: dist });
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('exits 0 with a summary on the rendered output', async () => {
    const { code, out } = await cli([dist, '--upstream', UPSTREAM]);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^validate: 2 clusters, \d+ files, \d+ objects: 0 problems in \d+ ms \(schemas \d+ ms; source .+\)$/)]);
  }, 60_000);

  it('prints one line per problem and exits 1', async () => {
    const bad = join(work, 'bad');
    await synth({ configDir: CONFIG, outDir: bad });
    writeFileSync(join(bad, 'dev', 'addons', 'echo-server', 'configmap_echo-server_x.yaml'), toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'echo-server' }, dataa: {} }, 'a test'));
    const { code, out } = await cli([bad, '--upstream', UPSTREAM]);
    expect(code).toBe(1);
    // File paths are relative to the working directory.
    expect(out[0].startsWith(`${relative(process.cwd(), bad)}/dev/addons/echo-server/configmap_echo-server_x.yaml: `)).toBe(true);
    expect(out[0]).toMatch(/: ConfigMap\/echo-server\/x: dataa: unknown field \(did you mean "data"\?\); allowed: .*\(Kubernetes v1\.28\.0, v1\.36\.0\)$/);
    expect(out.at(-1)).toMatch(/: 1 problem in /);
  }, 60_000);

  it('fails clearly when no schema source is available', async () => {
    const { code, err } = await cli([dist, '--schema-location', join(work, 'nowhere')]);
    expect(code).toBe(1);
    expect(err.join('\n')).toContain(`Error: no schema source: ${join(work, 'nowhere')} has no kubernetes-schemas/ folder; allowed: pass --schema-location DIR`);
  });

  it('writes strict schemas that give the built-in engine\'s verdicts', async () => {
    const source = new LocalSource(UPSTREAM);
    const registry = new SchemaRegistry(source);
    const planted = join(work, 'planted');
    await synth({ configDir: CONFIG, outDir: planted });
    writeFileSync(join(planted, 'dev', 'apps', 'configmap_argocd_y.yaml'), toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y', namespace: 'argocd', labelz: {} } }, 'a test'));
    writeFileSync(join(planted, 'dev', 'apps', 'nodepool_y.yaml'), toYaml({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'y' }, spec: { weight: 'heavy', template: { spec: { nodeClassRef: { group: 'g', kind: 'k', name: 'n' }, requirements: [] } } } }, 'a test'));
    const result = await validateTree({ root: planted, configDir: CONFIG, source, registry });
    const schemaDir = join(work, 'kc-schemas');
    const runs = await writeKubeconformSchemas(result.clusters, registry, schemaDir);
    expect(runs.map((r) => r.version)).toEqual(['v1.28.0', 'v1.36.0']);

    const failing = new Set(result.problems.filter((p) => p.check === 'schema').map((p) => p.file));
    expect([...failing].sort()).toEqual([expect.stringContaining('configmap_argocd_y.yaml'), expect.stringContaining('nodepool_y.yaml')]);
    // An interpreting validator of its own (kubeconform's is neither Ajv nor the built-in engine): a compiling one
    // spent seconds turning these standalone schemas into code for one use each.
    const validators = new Map<string, Validator>();
    const validator = (f: string) => validators.get(f) ?? validators.set(f, new Validator(JSON.parse(readFileSync(join(schemaDir, f), 'utf8')), '7')).get(f)!;
    let checked = 0;
    for (const tree of result.clusters) {
      for (const { file, object } of tree.objects) {
        const apiVersion = String(object.apiVersion);
        const kind = String(object.kind);
        const crd = await registry.crd(apiVersion, kind);
        const files = crd ? [crdFile(apiVersion, kind)] : ['v1.28.0', 'v1.36.0'].map((v) => builtinFile(v, apiVersion, kind));
        const ok = files.every((f) => validator(f).validate(object).valid);
        expect(ok, file).toBe(!failing.has(file));
        checked++;
      }
    }
    expect(checked).toBe(result.objects);
    expect(readdirSync(join(schemaDir, 'crds'))).toContain('karpenter.sh');
  }, 120_000);

  it('--engine kubeconform runs kubeconform -strict -summary with the written schemas, once per Kubernetes version', async () => {
    const record = join(work, 'kc-argv');
    const stand = join(work, 'kubeconform-stand-in');
    writeFileSync(stand, `#!/bin/sh\nprintf '%s\\n' "$@" >> "${record}"\necho ---- >> "${record}"\nexit 0\n`);
    chmodSync(stand, 0o755);
    const { code, out } = await cli([dist, '--upstream', UPSTREAM, '--engine', 'kubeconform'], { KUBECONFORM: stand });
    expect(code).toBe(0);
    expect(out.at(-1)).toMatch(/0 problems, kubeconform passed in /);
    const runs = readFileSync(record, 'utf8').split('----\n').filter(Boolean).map((r) => r.split('\n').filter(Boolean));
    expect(runs).toHaveLength(2);
    const location = join(work, 'cache', 'kubeconform');
    expect(runs[0].slice(0, 8)).toEqual([
      '-strict',
      '-summary',
      '-kubernetes-version',
      '1.28.0',
      '-schema-location',
      `${location}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-schema-location',
      `${location}/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
    ]);
    expect(runs[1][3]).toBe('1.36.0');
    const files = runs[0].slice(8);
    expect(files.length).toBeGreaterThan(10);
    expect(files.every((f) => f.endsWith('.yaml'))).toBe(true);
  }, 60_000);
});
