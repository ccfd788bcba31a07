import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { externalDns, txtOwnerId } from '../charts/network/external-dns.ts';
import { exampleCluster, fixtureCluster, parse, render, renderAddon } from './helpers.ts';
import { needsUpstream, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

const APP = (c: string) => `apps/application_argocd_${c}-external-dns.yaml`;
const CHART = join(UPSTREAM, 'charts', 'external-dns');

/** The values the Application carries, from the add-on's hooks in memory. */
const values = (cluster: string) => renderAddon(externalDns, { cluster }).values!;
const settings = (cluster: string) => fixtureCluster(cluster).addons['external-dns'].settings;

describe('external-dns values', () => {
  it('uses the AWS provider in the cluster region, for ingresses and services', () => {
    const dev = values('dev');
    expect(dev.provider).toEqual({ name: 'aws' });
    expect(dev.env).toEqual([{ name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' }]);
    expect(dev.sources).toEqual(['ingress', 'service']);
    expect(values('prod').env).toEqual([{ name: 'AWS_DEFAULT_REGION', value: 'us-east-1' }]);
  });

  it('limits itself to the cluster domain and hosted zone', () => {
    expect(values('dev')).toMatchObject({ domainFilters: ['dev.platform.example.com'], extraArgs: ['--zone-id-filter=Z0DEV1234567890ABCDE'] });
    expect(values('prod')).toMatchObject({ domainFilters: ['platform.example.com'], extraArgs: ['--zone-id-filter=Z0PROD234567890ABCDE'] });
  });

  it('owns its TXT records with an id unique per cluster', () => {
    const dev = values('dev');
    const prod = values('prod');
    expect(dev.registry).toBe('txt');
    expect(dev.txtOwnerId).toBe('eks-platform-dev');
    expect(prod.txtOwnerId).toBe('eks-platform-prod');
    expect(txtOwnerId({ name: 'staging' })).toBe('eks-platform-staging');
  });

  it('defaults to upsert-only; dev opts into sync', () => {
    expect(values('prod').policy).toBe('upsert-only');
    expect(values('dev').policy).toBe('sync');
    expect(values('prod').interval).toBe('2m');
    expect(values('dev').interval).toBe('1m');
  });

  it('uses the IRSA role and service account of the naming convention (or the facts override)', () => {
    expect(values('prod').serviceAccount).toEqual({
      create: true,
      name: 'external-dns',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::222222222222:role/prod-external-dns' },
    });
    const prod = exampleCluster('prod');
    const arn = 'arn:aws:iam::222222222222:role/dns-writer';
    const v = renderAddon(externalDns, { cluster: 'prod', overrides: { facts: { ...prod.facts, roleArns: { 'external-dns': arn } } } }).values!;
    expect((v.serviceAccount as any).annotations['eks.amazonaws.com/role-arn']).toBe(arn);
  });

  it('sets requests and limits', () => {
    expect(values('dev').resources).toEqual({ requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('sets only keys of the pinned chart (values.yaml and values.schema.json, 1.21.1)'), () => {
    const chart = load(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    for (const cluster of ['dev', 'prod']) {
      const v = values(cluster);
      expect(Object.keys(v).filter((k) => !(k in chart) || !(k in schema.properties))).toEqual([]);
      expect(Object.keys(v.serviceAccount).filter((k) => !(k in (chart.serviceAccount as object)))).toEqual([]);
      expect(validate(v), JSON.stringify(validate.errors)).toBe(true);
    }
    // The check can fail: the schema knows the policy values.
    expect(validate({ policy: 'delete' })).toBe(false);
  });

  it('is a single-source chart Application in its own namespace at wave 90', () => {
    const app = parse(render('dev'), APP('dev'));
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('90');
    expect(app.spec.destination.namespace).toBe('external-dns');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://kubernetes-sigs.github.io/external-dns/', chart: 'external-dns', targetRevision: '1.21.1' });
  });

  it('follows a policy change in config', () => {
    expect(renderAddon(externalDns, { cluster: 'prod', settings: { ...settings('prod'), policy: 'sync' } }).values!.policy).toBe('sync');
  });

  it('fails on an unknown policy', () => {
    expect(renderAddon(externalDns, { settings: { ...settings('dev'), policy: 'create-and-delete' } }).errors).toContain('clusters/dev.yaml: addons.external-dns.policy: got "create-and-delete" (string); allowed: one of "upsert-only", "sync"');
  });

  it('fails on an interval that is not a duration', () => {
    expect(renderAddon(externalDns, { cluster: 'prod', settings: { ...settings('prod'), interval: '2 minutes' } }).errors).toContain('clusters/prod.yaml: addons.external-dns.interval: got "2 minutes" (string); allowed: a Go duration such as "1m" or "90s"');
  });
});
