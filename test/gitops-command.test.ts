import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { synth } from '../src/synth.ts';
import { gitopsPlan } from '../src/gitops/plan.ts';
import { runPlan } from '../src/gitops/run.ts';
import { exampleCluster, tempConfig, tempDir, writeCluster } from './helpers.ts';
import { calls, standIns } from './stand-ins.ts';

const ENDPOINT = 'https://ABCDEF0123456789ABCDEF0123456789.gr7.eu-central-1.eks.amazonaws.com';
const APP = 'alpha/apps/application_argocd_alpha-argo-cd.yaml';
const ROOT_PROJECT = 'alpha/apps/appproject_argocd_alpha-root.yaml';
const ROOT_APP = 'alpha/bootstrap/application_argocd_alpha-root.yaml';

/** A cluster of our own with its own Argo CD, its facts, and its synthesized output in a temp folder. */
async function fixture(mode = 'in-cluster'): Promise<{ config: string; out: string }> {
  const config = tempConfig();
  const role = 'arn:aws:iam::333333333333:role/argocd-manager';
  writeCluster(config, 'alpha', `name: alpha
environment: dev
aws: { accountId: "333333333333", region: eu-central-1 }
kubernetesVersion: "1.33"
network: { vpcId: vpc-0a1b2c3d4e5f60009, privateSubnetIds: [subnet-0a1b2c3d4e5f60091, subnet-0a1b2c3d4e5f60092] }
dns: { domain: alpha.example.com, hostedZoneId: Z0ALPHA4567890ABCDEF }
gitops: { repoURL: "https://github.com/example-org/platform-gitops.git" }
argocd: { mode: ${mode}${mode === 'management' ? `, roleArn: "${role}"` : ''} }
bootstrap: { accessEntries: { "${role}": admin }, endpoint: { privateAccessFrom: { cidrs: [10.0.0.0/16] } } }
addons: { efs-controller: { enabled: false } }
`);
  writeFileSync(join(config, 'facts', 'alpha.yaml'), `clusterEndpoint: ${ENDPOINT}\nclusterSecurityGroupId: sg-0a1b2c3d4e5f60099\n`);
  const out = tempDir('gitops-dist-');
  await synth({ configDir: config, outDir: out, clusters: ['alpha'] });
  return { config, out };
}

/** The real CLI (`npm run bootstrap -- gitops …`), with only the stand-ins on PATH. */
function cli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'platform.mjs'), 'bootstrap', 'gitops', '--cluster', 'alpha', ...args], {
    cwd: PROJECT_ROOT,
    env: { HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run bootstrap -- gitops (argocd.mode: in-cluster)', () => {
  let f: { config: string; out: string };
  beforeAll(async () => {
    f = await fixture();
  });

  it('checks the context, installs Argo CD with the Application\'s exact values, waits, then applies the root; twice the same', () => {
    const log = join(tempDir(), 'calls.jsonl');
    const env = { PATH: standIns(), STANDIN_LOG: log, STANDIN_SERVER: ENDPOINT };
    const first = cli(['--config', f.config, '--out', f.out], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const made = calls(log);
    expect(made.map((c) => `${c.tool} ${c.argv[0]}`)).toEqual(['kubectl config', 'kubectl get', 'helm upgrade', 'kubectl apply']);

    const app = load(readFileSync(join(f.out, APP), 'utf8')) as { spec: { source: { chart: string; repoURL: string; targetRevision: string; helm: { releaseName: string; valuesObject: unknown } } } };
    const { source } = app.spec;
    const helm = made[2];
    expect(helm.argv).toEqual([
      'upgrade', '--install', source.helm.releaseName, source.chart,
      '--repo', source.repoURL, '--version', source.targetRevision,
      '--namespace', 'argocd', '--create-namespace', '--values', '-', '--wait', '--timeout', '15m',
    ]);
    expect(source.helm.releaseName).toBe('argocd');
    // Byte-for-byte the same values once parsed, as Helm parses them.
    expect(load(helm.stdin)).toEqual(source.helm.valuesObject);

    const apply = made[3];
    expect(apply.argv.slice(0, 3)).toEqual(['apply', '--server-side', '--field-manager=eks-platform-bootstrap']);
    // What kubectl read is byte-for-byte what synth wrote.
    expect(Object.values(apply.files)).toEqual([readFileSync(join(f.out, ROOT_PROJECT), 'utf8'), readFileSync(join(f.out, ROOT_APP), 'utf8')]);

    // Idempotent: a second run makes exactly the same calls (helm upgrade --install, server-side apply).
    expect(cli(['--config', f.config, '--out', f.out], env).status).toBe(0);
    expect(calls(log).slice(4)).toEqual(made);
  });

  it('--dry-run prints every command and runs nothing', () => {
    const log = join(tempDir(), 'calls.jsonl');
    const r = cli(['--config', f.config, '--out', f.out, '--dry-run'], { PATH: standIns(), STANDIN_LOG: log, STANDIN_SERVER: ENDPOINT });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Dry run: would run 4 steps, and runs nothing.');
    expect(r.stdout).toContain('$ helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 10.1.1 --namespace argocd --create-namespace --values - --wait');
    expect(r.stdout).toContain('apps/application_argocd_alpha-argo-cd.yaml');
    expect(existsSync(log)).toBe(false);
  });

  it('stops with one line, before running anything, when helm is not on PATH', () => {
    const log = join(tempDir(), 'calls.jsonl');
    const r = cli(['--config', f.config, '--out', f.out], { PATH: standIns(['kubectl']), STANDIN_LOG: log, STANDIN_SERVER: ENDPOINT });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Error: helm is not on PATH; install Helm 3\.8 or later/)]);
    expect(calls(log)).toEqual([]);
  });

  it('stops before Helm when the cluster is unreachable, naming the step and the tool\'s first error line', () => {
    const log = join(tempDir(), 'calls.jsonl');
    const env = { PATH: standIns(), STANDIN_LOG: log, STANDIN_SERVER: ENDPOINT, STANDIN_FAIL: '/readyz' };
    const plan = gitopsPlan(exampleCluster('alpha', f.config), { outDir: f.out });
    expect(() => runPlan(plan, { env, log: () => {} })).toThrow(/^step 2\/4 \(check that the API server of alpha answers\): kubectl exited 1: Unable to connect to the server: dial tcp 10\.0\.0\.1:443: i\/o timeout; point the current kubeconfig context at cluster alpha/);
    expect(calls(log).map((c) => c.tool)).toEqual(['kubectl', 'kubectl']);
  });

  it('refuses a kubeconfig context that points at another cluster', () => {
    const log = join(tempDir(), 'calls.jsonl');
    const env = { PATH: standIns(), STANDIN_LOG: log, STANDIN_SERVER: 'https://OTHER.gr7.eu-central-1.eks.amazonaws.com' };
    const plan = gitopsPlan(exampleCluster('alpha', f.config), { outDir: f.out, kubeContext: 'prod-admin' });
    expect(() => runPlan(plan, { env, log: () => {} })).toThrow(`kubeconfig context prod-admin points at https://OTHER.gr7.eu-central-1.eks.amazonaws.com, not at ${ENDPOINT}`);
    expect(calls(log)).toHaveLength(1);
    expect(calls(log)[0].argv).toContain('prod-admin');
  });

  it('refuses committed files that differ from what the config renders', async () => {
    const stale = await fixture();
    const file = join(stale.out, APP);
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 1', 'replicas: 4'));
    expect(() => gitopsPlan(exampleCluster('alpha', stale.config), { outDir: stale.out })).toThrow(/application_argocd_alpha-argo-cd\.yaml is stale .*run `npm run synth`, review and commit it first/);
    mkdirSync(join(stale.out, 'empty'));
    expect(() => gitopsPlan(exampleCluster('alpha', stale.config), { outDir: join(stale.out, 'empty') })).toThrow(/does not exist; run `npm run synth`/);
  });
});

describe('npm run bootstrap -- gitops (argocd.mode: management)', () => {
  it('installs nothing and says what applies instead', async () => {
    const f = await fixture('management');
    const log = join(tempDir(), 'calls.jsonl');
    const lines: string[] = [];
    const plan = gitopsPlan(exampleCluster('alpha', f.config), { outDir: f.out });
    runPlan(plan, { env: { PATH: standIns(), STANDIN_LOG: log }, log: (l) => lines.push(l) });
    expect(plan.kind).toBe('explain');
    expect(lines.join('\n')).toContain('Argo CD runs on the management cluster, so nothing is installed here');
    expect(lines.join('\n')).toMatch(/kubectl apply --server-side -f \S*alpha\/apps\/appproject_argocd_alpha-root\.yaml -f \S*alpha\/bootstrap\/application_argocd_alpha-root\.yaml/);
    expect(lines.join('\n')).toContain('bootstrap/configmap_argocd_argocd-cm.yaml');
    expect(calls(log)).toEqual([]);
  });
});
