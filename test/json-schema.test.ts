/**
 * The editor schemas (schema/*.json, made by `npm run docs`) accept what the loader accepts and reject what it
 * rejects. Inputs are fixture copies of the examples (test/fixtures/json-schema/), never the live config/.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ADDONS } from '../charts/registry.ts';
import { tsFiles } from '../src/docs/generate.ts';
import { clusterFileJsonSchema, DEFAULT_DOC_SOURCES, factsFileJsonSchema, fleetFileJsonSchema } from '../src/docs/json-schema.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { configErrors, FIXTURE_CONFIG, tempDir } from './helpers.ts';

/** The shared fixture config (test/fixtures/config): `dev.yaml` → clusters/dev.yaml, `dev.facts.yaml` → facts/dev.yaml. */
const FIXTURE_FILES: Record<string, string> = {
  'dev.yaml': 'clusters/dev.yaml',
  'prod.yaml': 'clusters/prod.yaml',
  'dev.facts.yaml': 'facts/dev.yaml',
  'prod.facts.yaml': 'facts/prod.yaml',
  'fleet.yaml': 'fleet.yaml',
};
const sources = DEFAULT_DOC_SOURCES(tsFiles(join(PROJECT_ROOT, 'charts')));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateCluster = ajv.compile(clusterFileJsonSchema(ADDONS, sources));
const fixture = (file: string) => load(readFileSync(join(FIXTURE_CONFIG, FIXTURE_FILES[file]), 'utf8')) as Record<string, any>;

/** A config folder holding one cluster file (the edited dev fixture) and its facts. */
function configWith(doc: Record<string, unknown>): string {
  const dir = tempDir('platform-json-schema-');
  mkdirSync(join(dir, 'clusters'));
  mkdirSync(join(dir, 'facts'));
  writeFileSync(join(dir, 'clusters', 'dev.yaml'), dump(doc));
  cpSync(join(FIXTURE_CONFIG, 'facts', 'dev.yaml'), join(dir, 'facts', 'dev.yaml'));
  return dir;
}

describe('editor JSON Schemas', () => {
  it.each(['dev.yaml', 'prod.yaml'])('accept the example cluster file %s', (file) => {
    expect(validateCluster(fixture(file)), JSON.stringify(validateCluster.errors)).toBe(true);
  });

  it('accept the example facts and fleet files', () => {
    const facts = ajv.compile(factsFileJsonSchema(sources));
    for (const f of ['dev.facts.yaml', 'prod.facts.yaml']) expect(facts(fixture(f)), JSON.stringify(facts.errors)).toBe(true);
    const fleet = ajv.compile(fleetFileJsonSchema(sources));
    expect(fleet(fixture('fleet.yaml'))).toBe(true);
    expect(fleet({ name: 'platform', namespcae: 'argocd' })).toBe(false);
  });

  const cases: [string, (d: Record<string, any>) => void, string][] = [
    ['an unquoted Kubernetes version (YAML reads a number)', (d) => (d.kubernetesVersion = 1.33), 'kubernetesVersion: got 1.33 (number)'],
    ['an unquoted account id', (d) => (d.aws.accountId = 111111111111), 'aws.accountId: got 111111111111 (number)'],
    ['a misspelled key', (d) => (d.kubernetesVersoin = '1.33'), 'kubernetesVersoin: unknown key'],
    ['an unknown add-on', (d) => (d.addons['metric-server'] = { enabled: true }), 'addons.metric-server: unknown add-on'],
    ['a setting out of range', (d) => (d.addons.karpenter = { replicas: 9 }), 'addons.karpenter.replicas: got 9'],
    ['a chart version on a manifests-only add-on', (d) => (d.addons['idp-roles'] = { version: '1.0.0' }), 'addons.idp-roles.version'],
    ['an Argo CD mode that does not exist', (d) => (d.argocd.mode = 'hub'), 'argocd.mode: got "hub"'],
    ['a missing required key', (d) => delete d.dns.hostedZoneId, 'dns.hostedZoneId: missing'],
  ];
  it.each(cases)('reject what the loader rejects: %s', (_name, edit, loaderMessage) => {
    const doc = fixture('dev.yaml');
    expect(validateCluster(doc)).toBe(true);
    expect(configErrors(configWith(doc))).toEqual([]);
    edit(doc);
    expect(validateCluster(doc)).toBe(false);
    expect(configErrors(configWith(doc)).join('\n')).toContain(loaderMessage);
  });

  it('carry each key\'s meaning and default for hover text', () => {
    const schema = clusterFileJsonSchema(ADDONS, sources) as any;
    expect(schema.properties.gitops.properties.targetRevision).toMatchObject({ default: 'main' });
    expect(schema.properties.gitops.properties.targetRevision.description).toMatch(/^Branch or tag Argo CD reads `dist\/` from\. Allowed: /);
    const replicas = schema.properties.addons.properties.karpenter.properties.replicas;
    // The schema's own default (editors show it); the description does not repeat it.
    expect(replicas).toMatchObject({ type: 'integer', minimum: 1, maximum: 5, default: 2 });
    expect(replicas.description).not.toContain('Default:');
  });
});
