/**
 * Issue 13, finding 4: `validate` rejects a Secret with data anywhere in synced output, including a Secret manifest
 * inside Helm values (`valuesObject.extraObjects`) or in a YAML or JSON string of them, naming the file and the key.
 */
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { checkBaseline, secretsWithData } from '../src/validate/baseline.ts';
import type { ClusterTree, K8sObject } from '../src/validate/tree.ts';
import { editCluster, render, tempConfig } from './helpers.ts';

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2' } };

describe('validate: no Secret data anywhere in synced output', () => {
  it('finds Secrets with data at any depth, in YAML strings, and ignores empty ones and other kinds', () => {
    expect(secretsWithData({ spec: { source: { helm: { valuesObject: { extraObjects: [secret] } } } } })).toEqual([['spec', 'source', 'helm', 'valuesObject', 'extraObjects', 0, 'stringData']]);
    expect(secretsWithData({ values: 'extraObjects:\n  - apiVersion: v1\n    kind: Secret\n    data: {a: YQ==}\n' })).toEqual([['values', 'extraObjects', 0, 'data']]);
    expect(secretsWithData({ m: 'kind: ConfigMap\n---\nkind: Secret\nstringData: {a: b}\n' })).toEqual([['m', '(document 2)', 'stringData']]);
    expect(secretsWithData({ t: 'kind: Secret\nstringData:\n  api: {{ .Values.x }: }\n' })).toEqual([['t', 'stringData']]);
    expect(secretsWithData({ a: { kind: 'Secret', apiVersion: 'v1', data: {} }, b: { kind: 'Secret', apiVersion: 'external-secrets.io/v1', data: { x: 1 } }, c: 'kind: Secret: [' })).toEqual([]);
    // Shared nodes are visited once: an alias bomb costs no more than its text.
    const shared: unknown[] = [secret];
    let bomb: unknown = shared;
    for (let i = 0; i < 30; i++) bomb = [bomb, bomb];
    expect(secretsWithData(bomb)).toHaveLength(1);
  });

  it('rejects the config of the issue: an add-on whose Helm values carry a Secret with stringData in extraObjects', () => {
    const config = tempConfig();
    editCluster(config, 'dev', (doc) => (doc.addons['external-secrets-operator'] = { ...doc.addons['external-secrets-operator'], values: { extraObjects: [secret] } }));
    const rendered = render('dev', config);
    const objects = [...rendered.files]
      .filter(([p]) => p.endsWith('.yaml'))
      .map(([rel, text]) => ({ file: `dev/${rel}`, rel, object: load(text) as K8sObject }));
    const tree: ClusterTree = { name: 'dev', dir: 'dist/dev', objects };
    const problems = checkBaseline(tree).filter((p) => /Secret/.test(p.message));
    expect(problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(
        /^dev\/apps\/application_argocd_dev-external-secrets(-operator)?\.yaml: spec\.sources?(\[\d\])?\.helm\.valuesObject\.extraObjects\[0\]\.stringData: a Secret with stringData inside this object \(e\.g\. Helm values\), rendered into dist\/ \(committed to git\); allowed: no data — deliver secrets with an ExternalSecret$/,
      ),
    ]);
  });

  it('finds a Secret given as a JSON string (an extraObjects item) and a Secret with only binaryData', () => {
    expect(secretsWithData({ extraObjects: [JSON.stringify(secret)] })).toEqual([['extraObjects', 0, 'stringData']]);
    expect(secretsWithData({ extraObjects: [JSON.stringify(secret, null, 2)] })).toEqual([['extraObjects', 0, 'stringData']]);
    const binary = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, binaryData: { 'key.bin': 'AAECAw==' } };
    expect(secretsWithData({ values: { extraObjects: [binary] } })).toEqual([['values', 'extraObjects', 0, 'binaryData']]);
    // A JSON template that does not parse is judged by its text.
    expect(secretsWithData({ t: '{"kind": "Secret", "binaryData": {"a": {{ .Values.a }}}}' })).toEqual([['t', 'binaryData']]);
  });

  it('rejects the JSON-string Secret and the binaryData Secret in an add-on\'s values through checkBaseline', () => {
    const config = tempConfig();
    const binary = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, binaryData: { 'key.bin': 'AAECAw==' } };
    editCluster(config, 'dev', (doc) => (doc.addons['cert-manager'] = { ...doc.addons['cert-manager'], values: { extraObjects: [JSON.stringify(secret), binary] } }));
    const rendered = render('dev', config);
    const objects = [...rendered.files].filter(([p]) => p.endsWith('.yaml')).map(([rel, text]) => ({ file: `dev/${rel}`, rel, object: load(text) as K8sObject }));
    const problems = checkBaseline({ name: 'dev', dir: 'dist/dev', objects }).filter((p) => /Secret/.test(p.message));
    expect(problems.map((p) => `${p.file}: ${p.path}`)).toEqual([
      expect.stringMatching(/^dev\/apps\/application_argocd_dev-cert-manager\.yaml: spec\.sources?(\[\d\])?\.helm\.valuesObject\.extraObjects\[0\]\.stringData$/),
      expect.stringMatching(/^dev\/apps\/application_argocd_dev-cert-manager\.yaml: spec\.sources?(\[\d\])?\.helm\.valuesObject\.extraObjects\[1\]\.binaryData$/),
    ]);
  });

  it('still rejects a top-level Secret with data', () => {
    const tree: ClusterTree = { name: 'dev', dir: 'dist/dev', objects: [{ file: 'dev/addons/x/secret_x_db.yaml', rel: 'addons/x/secret_x_db.yaml', object: { ...secret, metadata: { name: 'db', namespace: 'x' } } }] };
    expect(checkBaseline(tree).map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
      'dev/addons/x/secret_x_db.yaml: stringData: a Secret with stringData in dist/ (committed to git); allowed: no data — deliver secrets with an ExternalSecret',
    ]);
  });
});
