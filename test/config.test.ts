import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configErrors, editCluster, exampleCluster, tempConfig, writeCluster } from './helpers.ts';

describe('cluster config', () => {
  it('loads both example clusters with defaults filled in', () => {
    const dev = exampleCluster('dev');
    expect(dev.argocd).toEqual({ mode: 'in-cluster', namespace: 'argocd', values: {} });
    expect(dev.gitops.targetRevision).toBe('main');
    expect(dev.gitops.distPath).toBe('dist');
    expect(dev.addons['metrics-server']).toMatchObject({ enabled: true, values: {}, settings: { replicas: 1 } });
    const prod = exampleCluster('prod');
    expect(prod.argocd.mode).toBe('management');
    expect(prod.gitops.targetRevision).toBe('release');
    expect(prod.facts.clusterEndpoint).toMatch(/^https:\/\/.*eks\.amazonaws\.com$/);
  });

  it('fails on a missing key, naming file, path and what is allowed', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => delete d.aws.region);
    expect(configErrors(dir)).toContain('clusters/dev.yaml: aws.region: missing; allowed: an AWS region such as "eu-west-1"');
  });

  it('fails on a mistyped key with a suggestion', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.kubernetesVersoin = d.kubernetesVersion;
      delete d.kubernetesVersion;
    });
    const errors = configErrors(dir);
    expect(errors).toContain(
      'clusters/dev.yaml: kubernetesVersoin: unknown key (did you mean "kubernetesVersion"?); allowed: name, environment, aws, kubernetesVersion, network, dns, gitops, argocd, bootstrap, addons',
    );
    expect(errors).toContain('clusters/dev.yaml: kubernetesVersion: missing; allowed: a quoted Kubernetes minor version from "1.28" to "1.36"');
  });

  it('fails on an unknown add-on, listing the known ones', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons['metric-server'] = { enabled: true }));
    const [line] = configErrors(dir);
    expect(line).toMatch(/^clusters\/dev\.yaml: addons\.metric-server: unknown add-on \(did you mean "metrics-server"\?\); allowed: .*metrics-server.*reloader/);
  });

  it('fails on a wrong type', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.replicas = 'two'));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: addons.reloader.replicas: got "two" (string); allowed: a whole number >= 1 and <= 5']);
  });

  it('fails on an unquoted Kubernetes version that YAML reads as a number', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.kubernetesVersion = 1.3));
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: kubernetesVersion: got 1.3 (number); allowed: a quoted Kubernetes minor version from "1.28" to "1.36"',
    ]);
  });

  it('fails on an invalid cluster name', () => {
    const dir = tempConfig();
    rmSync(join(dir, 'facts', 'dev.yaml'));
    editCluster(dir, 'dev', (d) => (d.name = 'Dev_Cluster'));
    expect(configErrors(dir)).toContain(
      'clusters/dev.yaml: name: got "Dev_Cluster" (string); allowed: a lowercase DNS label of at most 24 characters (a-z, 0-9, "-"; starting with a letter)',
    );
  });

  it("fails when the name differs from the file's name", () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.name = 'staging'));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: name: got "staging"; allowed: "dev", the file\'s name']);
  });

  it('fails on duplicate cluster names', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'clusters', 'dev.yml'), 'name: dev\n');
    expect(configErrors(dir)[0]).toBe('clusters/dev.yml: name: duplicate cluster name "dev", also defined by clusters/dev.yaml; allowed: one file per cluster');
  });

  it('fails on malformed YAML with the line', () => {
    const dir = tempConfig();
    writeCluster(dir, 'dev', 'name: dev\naws: [unclosed\n');
    expect(configErrors(dir)[0]).toMatch(/^clusters\/dev\.yaml: \(file\): malformed YAML at line \d+, column \d+: /);
  });

  it('fails on a file that is not a map', () => {
    const dir = tempConfig();
    writeCluster(dir, 'dev', '- just\n- a list\n');
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: (file): got ["just","a list"]; allowed: a map of cluster settings']);
  });

  it('fails on bad AWS ids and lists', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.aws.accountId = 123;
      d.network.privateSubnetIds = ['subnet-0a1b2c3d4e5f60011'];
      d.dns.hostedZoneId = 'zone';
    });
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: aws.accountId: got 123 (number); allowed: a quoted 12-digit AWS account id',
      'clusters/dev.yaml: network.privateSubnetIds: got ["subnet-0a1b2c3d4e5f60011"] (a list); allowed: a list of at least 2 of a subnet id such as "subnet-0123456789abcdef0", without repeats',
      'clusters/dev.yaml: dns.hostedZoneId: got "zone" (string); allowed: a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"',
    ]);
  });

  it('fails on a repeated subnet', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.network.privateSubnetIds = ['subnet-0a1b2c3d4e5f60011', 'subnet-0a1b2c3d4e5f60011']));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: network.privateSubnetIds[1]: got "subnet-0a1b2c3d4e5f60011" a second time; allowed: each value once']);
  });

  it('fails on an unknown enum value', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.argocd.mode = 'remote'));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: argocd.mode: got "remote" (string); allowed: one of "in-cluster", "management"']);
  });

  it('fails on a chart version range', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons['metrics-server'].version = '^3.13.0'));
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: addons.metrics-server.version: got "^3.13.0" (string); allowed: an exact chart version such as "3.13.1"',
    ]);
  });

  it('fails on values that are not a map', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.values = ['a']));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: addons.reloader.values: got ["a"] (a list); allowed: a map']);
  });

  it('fails when Argo CD runs on a management cluster but the endpoint fact is missing', () => {
    const dir = tempConfig();
    rmSync(join(dir, 'facts', 'prod.yaml'));
    expect(configErrors(dir).join('\n')).toContain(
      'clusters/prod.yaml: argocd.mode: "management" needs the cluster\'s API server URL, the fact clusterEndpoint in facts/prod.yaml (got nothing); allowed: run `facts pull --cluster prod` after the bootstrap, or use "in-cluster"',
    );
  });

  it('fails on a malformed fact, naming the facts file', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'facts', 'dev.yaml'), 'clusterEndpoint: http://insecure\n');
    expect(configErrors(dir)).toContain('facts/dev.yaml: clusterEndpoint: got "http://insecure" (string); allowed: an https:// URL');
  });

  it('fails on an unknown --cluster', () => {
    expect(configErrors(tempConfig(), ['prd'])[0]).toBe('clusters: --cluster: no cluster "prd" (did you mean "prod"?); allowed: dev, prod');
  });

  it('reports every problem of every file at once', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.environment = 'test'));
    editCluster(dir, 'prod', (d) => (d.aws.region = 'mars'));
    const errors = configErrors(dir);
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: environment:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('clusters/prod.yaml: aws.region:'))).toBe(true);
  });
});
