/** Fleet mode: one ApplicationSet for the management Argo CD, plus a credential-free cluster Secret template per member. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CLUSTER_SECRET_FILE, clusterSecretTemplate, fleetApplicationSetProps } from '../apps/fleet.ts';
import { loadFleet, type Fleet } from '../config/fleet.ts';
import { FLEET_DIR } from '../config/labels.ts';
import { renderFleet } from '../src/fleet.ts';
import { ApplicationSet } from '../imports/argocd-applicationset-argoproj.io.ts';
import { synth } from '../src/synth.ts';
import { configErrors, editCluster, exampleCluster, parse, render, tempConfig, tempDir } from './helpers.ts';
import { needsUpstream, pinnedCrd, schemaProblems, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

const FLEET: Fleet = { name: 'platform', namespace: 'argocd', file: 'config/fleet.yaml', source: 'config/fleet.yaml' };
const APPSET_FILE = 'applicationset_argocd_platform-roots.yaml';

function appSet(fleet: Fleet = FLEET): Record<string, any> {
  const files = renderFleet(fleet).files;
  expect([...files.keys()]).toEqual([`applicationset_${fleet.namespace}_${fleet.name}-roots.yaml`]);
  return load([...files.values()][0]) as Record<string, any>;
}

/** Synth errors as lines (ConfigError messages are one problem per line). */
async function synthErrors(configDir: string, clusters?: string[]): Promise<string[]> {
  try {
    await synth({ configDir, outDir: tempDir(), clusters });
  } catch (err) {
    if (err instanceof Error && err.name === 'ConfigError') return err.message.split('\n');
    throw err;
  }
  return [];
}

/**
 * Evaluates the Go templates this ApplicationSet uses (`{{ index .metadata.labels|annotations "key" }}`) the way
 * the cluster generator does with missingkey=error; anything else is a test failure, so the template stays simple.
 */
function expand(value: unknown, secret: Record<string, any>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(.*?)\}\}/g, (_, expr: string) => {
      const m = /^\s*index \.metadata\.(labels|annotations) "([^"]+)"\s*$/.exec(expr);
      if (!m) throw new Error(`unsupported template expression {{${expr}}}`);
      const got = secret.metadata[m[1]]?.[m[2]];
      if (got === undefined) throw new Error(`missing key ${m[1]}.${m[2]} (missingkey=error)`);
      return got;
    });
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, secret));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, secret)]));
  return value;
}

const CRD = join(UPSTREAM, 'crds', 'argo-cd', 'applicationset-crd.yaml');

describe('fleet ApplicationSet', () => {
  it.skipIf(UPSTREAM_MISSING)(needsUpstream(`is valid against the pinned ApplicationSet CRD (${CRD})`), async () => {
    const obj = appSet();
    expect(obj.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(await pinnedCrd(obj.apiVersion, obj.kind)).toMatchObject({ file: 'crds/argo-cd/applicationset-crd.yaml', group: 'argoproj.io', kind: 'ApplicationSet' });
    expect(await schemaProblems([obj])).toEqual([]);

    // The strict schema does catch a misspelled key (the cdk8s prop name instead of the CRD's).
    const bad = structuredClone(obj);
    bad.spec.template.spec.source.repoUrl = bad.spec.template.spec.source.repoURL;
    expect(await schemaProblems([bad])).toEqual([expect.stringMatching(/^ApplicationSet\/argocd\/platform-roots: spec\.template\.spec\.source\.repoUrl: unknown field/)]);
  });

  it('renders what the generated ApplicationSet construct renders (its key mapping included)', () => {
    const chart = new Chart(new App(), 'typed', { disableResourceNameHashes: true });
    new ApplicationSet(chart, 'roots', fleetApplicationSetProps(FLEET));
    expect(appSet()).toEqual(chart.toJson()[0]);
  });

  it('selects the fleet cluster Secrets and creates each root in the management Argo CD namespace', () => {
    const obj = appSet({ ...FLEET, name: 'eu', namespace: 'gitops' });
    expect(obj.metadata).toMatchObject({ name: 'eu-roots', namespace: 'gitops' });
    expect(obj.spec.goTemplate).toBe(true);
    expect(obj.spec.goTemplateOptions).toEqual(['missingkey=error']);
    expect(obj.spec.generators).toEqual([
      { clusters: { selector: { matchLabels: { 'eks-platform/fleet': 'eu', 'app.kubernetes.io/managed-by': 'eks-platform' } } } },
    ]);
    expect(obj.spec.template.metadata.namespace).toBe('gitops');
    expect(obj.spec.template.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'gitops' });
    expect(obj.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    // No finalizer on the generated roots either: deleting one must not cascade into the platform.
    expect(obj.spec.template.metadata.finalizers).toBeUndefined();
  });

  it('creates, from the prod cluster Secret, exactly the root Application of dist/prod/bootstrap', () => {
    const prod = exampleCluster('prod');
    const secret = clusterSecretTemplate(prod, FLEET) as Record<string, any>;
    const selector = appSet().spec.generators[0].clusters.selector.matchLabels;
    expect(secret.metadata.labels).toMatchObject(selector);
    const root = parse(render('prod'), 'bootstrap/application_argocd_prod-root.yaml');
    const generated = expand(appSet().spec.template, secret) as Record<string, any>;
    expect({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...generated }).toEqual(root);
    expect(generated.spec.source.targetRevision).toBe('release');
  });
});

describe('cluster Secret template', () => {
  const prod = exampleCluster('prod');

  it('registers the cluster for Argo CD by endpoint, with no credentials and no data', () => {
    const secret = clusterSecretTemplate(prod, FLEET) as Record<string, any>;
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata).toMatchObject({ name: 'cluster-prod', namespace: 'argocd' });
    expect(secret.metadata.labels).toMatchObject({
      'argocd.argoproj.io/secret-type': 'cluster',
      'eks-platform/cluster': 'prod',
      'eks-platform/environment': 'prod',
      'eks-platform/region': 'us-east-1',
    });
    expect(secret.data).toBeUndefined();
    expect(secret.stringData.name).toBe('prod');
    expect(secret.stringData.server).toBe(prod.facts.clusterEndpoint);
    const config = JSON.parse(secret.stringData.config);
    expect(config).toEqual({ awsAuthConfig: { clusterName: 'prod', roleARN: 'arn:aws:iam::222222222222:role/argocd-manager' }, tlsClientConfig: { insecure: false } });
    expect(secret.stringData.config).not.toMatch(/bearerToken|password|keyData|certData|execProviderConfig|username/);
  });

  it('assumes the configured role (argocd.roleArn) in the cluster account', () => {
    const dir = tempConfig();
    editCluster(dir, 'prod', (d) => (d.argocd.roleArn = 'arn:aws:iam::222222222222:role/argocd-manager'));
    const secret = clusterSecretTemplate(exampleCluster('prod', dir), FLEET) as Record<string, any>;
    expect(JSON.parse(secret.stringData.config).awsAuthConfig).toEqual({ clusterName: 'prod', roleARN: 'arn:aws:iam::222222222222:role/argocd-manager' });
  });

  it('fails an argocd.roleArn that is not an IAM role ARN', () => {
    const dir = tempConfig();
    editCluster(dir, 'prod', (d) => (d.argocd.roleArn = 'argocd-manager'));
    expect(configErrors(dir)).toEqual([
      'clusters/prod.yaml: argocd.roleArn: got "argocd-manager" (string); allowed: an IAM role ARN such as "arn:aws:iam::222222222222:role/argocd-manager"',
    ]);
  });
});

describe('synth in fleet mode', () => {
  it('writes the ApplicationSet into dist/_fleet and the Secret template only for management-mode clusters', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), 'name: platform\n');
    const out = tempDir();
    const result = await synth({ configDir: dir, outDir: out });
    expect(result.fleet).toMatchObject({ name: FLEET_DIR, written: 1, removed: 0 });
    expect(existsSync(join(out, FLEET_DIR, APPSET_FILE))).toBe(true);
    const secret = JSON.parse(readFileSync(join(out, 'prod', CLUSTER_SECRET_FILE), 'utf8'));
    expect(secret.metadata.labels['eks-platform/fleet']).toBe('platform');
    expect(existsSync(join(out, 'dev', CLUSTER_SECRET_FILE))).toBe(false); // dev runs its own Argo CD
    expect(result.prunedClusters).toEqual([]);
  });

  it('keeps dist/_fleet on a partial synth and prunes it on a full synth once fleet.yaml is gone', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), '');
    const out = tempDir();
    await synth({ configDir: dir, outDir: out });
    rmSync(join(dir, 'fleet.yaml'));
    await synth({ configDir: dir, outDir: out, clusters: ['dev'] });
    expect(existsSync(join(out, FLEET_DIR, APPSET_FILE))).toBe(true);
    const full = await synth({ configDir: dir, outDir: out });
    expect(existsSync(join(out, FLEET_DIR))).toBe(false);
    expect(full.fleet).toBeUndefined();
    expect(full.prunedClusters).toEqual([]); // _fleet is not reported as a removed cluster
    expect(existsSync(join(out, 'prod', CLUSTER_SECRET_FILE))).toBe(false);
  });

  it('is off without fleet.yaml: no _fleet folder, no Secret template', async () => {
    const out = tempDir();
    const dir = tempConfig();
    rmSync(join(dir, 'fleet.yaml'));
    const result = await synth({ configDir: dir, outDir: out });
    expect(result.fleet).toBeUndefined();
    expect(existsSync(join(out, FLEET_DIR))).toBe(false);
    expect(existsSync(join(out, 'prod', CLUSTER_SECRET_FILE))).toBe(false);
  });

  it('fails unknown keys and a bad name in fleet.yaml, naming the file and writing nothing', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), 'name: Platform\nnamspace: argocd\n');
    // Paths in messages are relative to the working directory, like the cluster files'; compare from the file name on.
    const errors = (await synthErrors(dir)).map((l) => l.slice(l.indexOf('fleet.yaml')));
    expect(errors).toEqual([
      'fleet.yaml: namspace: unknown key (did you mean "namespace"?); allowed: name, namespace',
      'fleet.yaml: name: got "Platform" (string); allowed: a lowercase DNS label of at most 42 characters',
    ]);
  });

  it('fails malformed fleet.yaml with the line', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), 'name: [platform\n');
    const errors = await synthErrors(dir);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/fleet\.yaml: \(file\): malformed YAML at line 2, column 1: /);
  });

  it('reads fleet.yaml within the limits of every config file: hostile input is a file: key error, never a crash or hang', async () => {
    const dir = tempConfig();
    const errorsOf = async (text: string) => {
      writeFileSync(join(dir, 'fleet.yaml'), text);
      return (await synthErrors(dir)).map((l) => l.slice(l.indexOf('fleet.yaml')));
    };
    // Each of these got past the old unbounded parse: a TypeError stack trace, a hang, silent acceptance.
    expect(await errorsOf('name: &a [*a]\n')).toEqual([expect.stringMatching(/^fleet\.yaml: name(\[0\])+: nested more than 64 levels \(also through aliases\); allowed: at most 64$/)]);
    const bomb = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 9; i++) bomb.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    const start = performance.now();
    expect(await errorsOf(`${bomb.join('\n')}\nname: *l9\n`)).toEqual([expect.stringMatching(/^fleet\.yaml: l\d(\[\d+\])+: expands to more than 100000 values through aliases/)]);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(await errorsOf(`name: ${'['.repeat(200_000)}\n`)).toEqual([expect.stringMatching(/^fleet\.yaml: \(file\): malformed YAML.*; allowed: YAML within 64 levels and 100 aliases$/)]);
    expect(await errorsOf(`a: &a x\nb: [${Array.from({ length: 101 }, () => '*a').join(', ')}]\n`)).toEqual([expect.stringMatching(/^fleet\.yaml: \(file\): malformed YAML.*alias/i)]);
    expect((await errorsOf('__proto__: {}\n'))[0]).toBe(
      'fleet.yaml: __proto__: the key "__proto__" is not allowed; allowed: any key but __proto__, constructor and prototype (they change JavaScript objects instead of holding data)',
    );
  });

  it('fails a member whose argocd.namespace is not the management Argo CD namespace', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), 'namespace: gitops\n');
    const errors = await synthErrors(dir);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /prod\.yaml: argocd\.namespace: got "argocd"; allowed: "gitops", the management Argo CD's namespace in .*fleet\.yaml \(the ApplicationSet creates every root there\)$/,
    );
  });

  it('fails a full synth with no management-mode cluster, but not a partial one', async () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), '');
    editCluster(dir, 'prod', (d) => (d.argocd.mode = 'in-cluster'));
    const errors = await synthErrors(dir);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /fleet\.yaml: \(file\): no cluster has argocd\.mode "management" \(got dev: "in-cluster", prod: "in-cluster"\); allowed: at least one member, or delete .*fleet\.yaml to turn fleet mode off$/,
    );
    expect(await synthErrors(dir, ['dev'])).toEqual([]);
  });

  it('reads defaults from an empty fleet.yaml', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'fleet.yaml'), '# fleet mode on\n');
    expect(loadFleet({ configDir: dir, relativeTo: dir })).toMatchObject({ name: 'platform', namespace: 'argocd', file: 'fleet.yaml' });
    rmSync(join(dir, 'fleet.yaml'));
    expect(loadFleet({ configDir: dir })).toBeUndefined();
  });
});
