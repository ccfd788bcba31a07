import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configErrors, editCluster, exampleCluster, tempConfig, writeCluster } from './helpers.ts';

describe('cluster config', () => {
  it('loads both example clusters with defaults filled in', () => {
    const dev = exampleCluster('dev');
    expect(dev.argocd).toEqual({ mode: 'in-cluster', namespace: 'argocd', roleArn: undefined, roleTrustedBy: [], capability: undefined, values: {} });
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
      'clusters/dev.yaml: kubernetesVersion: got 1.3 (number); allowed: a quoted Kubernetes minor version from "1.28" to "1.36" (YAML reads an unquoted 1.3 as a number)',
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
      'clusters/dev.yaml: aws.accountId: got 123 (number); allowed: a quoted 12-digit AWS account id (YAML reads an unquoted 123 as a number)',
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
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: argocd.mode: got "remote" (string); allowed: one of "in-cluster", "management", "eks-capability"']);
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

  it('fails when Argo CD runs on a management cluster but its facts file lacks the endpoint', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'facts', 'prod.yaml'), 'efsFileSystemId: fs-0a1b2c3d4e5f60102\n');
    expect(configErrors(dir).join('\n')).toContain(
      'clusters/prod.yaml: argocd.mode: "management" needs the cluster\'s API server URL, the fact clusterEndpoint in facts/prod.yaml (got nothing); allowed: run `facts pull --cluster prod` after the bootstrap, or use "in-cluster"',
    );
  });

  it('fails on a malformed fact, naming the facts file', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'facts', 'dev.yaml'), 'clusterEndpoint: http://insecure\n');
    expect(configErrors(dir)).toContain('facts/dev.yaml: clusterEndpoint: got "http://insecure" (string); allowed: an https:// URL of a host, such as "https://ABC.gr7.eu-west-1.eks.amazonaws.com"');
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

/** Nine levels of ten aliases each: 10^9 values once expanded. */
function aliasBomb(indent = ''): string {
  const lines = [`${indent}l0: &l0 [x, x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i <= 9; i++) lines.push(`${indent}l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

describe('hostile config', () => {
  it('stops an alias bomb fast, with file and key, at the top level', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'clusters', 'dev.yaml'), `${readFileSync(join(dir, 'clusters', 'dev.yaml'), 'utf8')}\n${aliasBomb()}\n`);
    const start = performance.now();
    const errors = configErrors(dir);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(errors).toEqual([expect.stringMatching(/^clusters\/dev\.yaml: l\d(\[\d+\])+: expands to more than 100000 values through aliases \(\*name\); allowed: a config without alias bombs$/)]);
  });

  it('stops an alias bomb under addons.<id>.values', () => {
    const dir = tempConfig();
    const text = readFileSync(join(dir, 'clusters', 'dev.yaml'), 'utf8').replace('  metrics-server:\n', `  metrics-server:\n    values:\n${aliasBomb('      ')}\n`);
    writeFileSync(join(dir, 'clusters', 'dev.yaml'), text);
    const start = performance.now();
    const [error] = configErrors(dir);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(error).toMatch(/^clusters\/dev\.yaml: addons\.metrics-server\.values\.l\d(\[\d+\])+: expands to more than 100000 values through aliases/);
  });

  it('rejects more aliases, deeper nesting or more bytes than any real config has', () => {
    const dir = tempConfig();
    writeCluster(dir, 'dev', `a: &a x\nb: [${Array.from({ length: 101 }, () => '*a').join(', ')}]\n`);
    expect(configErrors(dir, ['dev'])[0]).toMatch(/^clusters\/dev\.yaml: \(file\): malformed YAML.*alias.*; allowed: YAML within 64 levels and 100 aliases$/i);
    writeCluster(dir, 'dev', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(configErrors(dir, ['dev'])[0]).toMatch(/^clusters\/dev\.yaml: \(file\): malformed YAML.*; allowed: YAML within 64 levels/);
    writeCluster(dir, 'dev', `name: dev\npad: "${'x'.repeat(1_100_000)}"\n`);
    expect(configErrors(dir, ['dev'])).toEqual(['clusters/dev.yaml: (file): got 1100018 bytes; allowed: at most 1048576 bytes']);
  });

  it('rejects constructor.prototype in values with file and key, instead of a serializer crash', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.values = { constructor: { prototype: { polluted: true } } }));
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: addons.reloader.values.constructor: the key "constructor" is not allowed; allowed: any key but __proto__, constructor and prototype (they change JavaScript objects instead of holding data)',
      'clusters/dev.yaml: addons.reloader.values.constructor.prototype: the key "prototype" is not allowed; allowed: any key but __proto__, constructor and prototype (they change JavaScript objects instead of holding data)',
    ]);
  });

  it('reports __proto__ anywhere instead of dropping it silently', () => {
    const dir = tempConfig();
    const text = readFileSync(join(dir, 'clusters', 'dev.yaml'), 'utf8').replace('  metrics-server:\n', '  metrics-server:\n    values:\n      __proto__:\n        replicas: 50\n');
    writeFileSync(join(dir, 'clusters', 'dev.yaml'), `${text}__proto__: {}\n`);
    expect(configErrors(dir).map((e) => e.slice(0, e.indexOf(': the key')))).toEqual([
      'clusters/dev.yaml: addons.metrics-server.values.__proto__',
      'clusters/dev.yaml: __proto__',
      // At the top level it is an unknown key as well.
      'clusters/dev.yaml: __proto__: unknown key; allowed: name, environment, aws, kubernetesVersion, network, dns, gitops, argocd, bootstrap, addon',
    ]);
  });

  it('rejects credentials in any URL, repoURL or values, without printing them', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.gitops.repoURL = 'https://deploy:ghp_secret123@github.com/example-org/platform-gitops.git';
      d.addons['external-dns'].values = { extraArgs: ['--webhook=https://ghp_token456@hooks.example.com/x'] };
    });
    const errors = configErrors(dir);
    expect(errors).toContain(
      'clusters/dev.yaml: gitops.repoURL: the value holds a URL with credentials (https://***@…); allowed: a URL without user or password (give the credential to Argo CD or the controller as a Secret, never in config that is committed)',
    );
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: addons.external-dns.values.extraArgs[0]: the value holds a URL with credentials'))).toBe(true);
    expect(errors.join('\n')).not.toMatch(/secret123|token456/);
  });

  it('rejects credentials in a URL query or fragment (access_token, token, sig, X-Amz-Signature), without printing them', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.gitops.repoURL = 'https://github.com/example-org/p.git?access_token=ghp_abc123';
      d.addons['external-dns'].values = {
        extraArgs: ['--webhook-url=https://h.example.com/x?a=1&sig=s3cr3t', '--source=https://h.example.com/y#token=t0k3n'],
        url: 'https://bucket.s3.amazonaws.com/o?X-Amz-Signature=abcdef',
      };
    });
    const errors = configErrors(dir);
    expect(errors).toContain(
      'clusters/dev.yaml: gitops.repoURL: the value holds a URL with a credential in its query or fragment (https://…access_token=***); allowed: a URL without credentials (give the credential to Argo CD or the controller as a Secret, never in config that is committed)',
    );
    for (const at of ['extraArgs[0]', 'extraArgs[1]', 'url']) {
      expect(errors.some((e) => e.startsWith(`clusters/dev.yaml: addons.external-dns.values.${at}: the value holds a URL with a credential`)), at).toBe(true);
    }
    expect(errors.join('\n')).not.toMatch(/ghp_abc123|s3cr3t|t0k3n|abcdef/);
    // A query without credentials stays fine.
    editCluster(dir, 'dev', (d) => {
      d.gitops.repoURL = 'https://github.com/example-org/platform-gitops.git';
      d.addons['external-dns'].values = { extraArgs: ['--url=https://h.example.com/x?page=2&sort=name'] };
    });
    expect(configErrors(dir)).toEqual([]);
  });

  it("rejects facts that are not the cluster's own: another host or region, another account's role", () => {
    const dir = tempConfig();
    const facts = join(dir, 'facts', 'dev.yaml');
    writeFileSync(
      facts,
      readFileSync(facts, 'utf8')
        .replace(/^clusterEndpoint: .*$/m, 'clusterEndpoint: https://evil.example.com')
        .replace(/^oidcProvider: .*$/m, 'oidcProvider: oidc.eks.us-east-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210') +
        'roleArns:\n  karpenter: arn:aws:iam::999999999999:role/x\n',
    );
    expect(configErrors(dir)).toEqual([
      'facts/dev.yaml: clusterEndpoint: got "https://evil.example.com"; allowed: the EKS endpoint of this cluster in eu-west-1 (https://<id>.<zone>.eu-west-1.eks.amazonaws.com), as `facts pull` writes it',
      'facts/dev.yaml: oidcProvider: got "oidc.eks.us-east-1.amazonaws.com/id/FEDCBA9876543210FEDC...; allowed: an EKS OIDC issuer in eu-west-1 (oidc.eks.eu-west-1.amazonaws.com/id/…), as `facts pull` writes it',
      'facts/dev.yaml: roleArns.karpenter: got "arn:aws:iam::999999999999:role/x"; allowed: a role in this cluster\'s account 111111111111 (arn:aws:iam::111111111111:role/…)',
    ]);
  });

  it('reads a comments-only facts file as empty (its missing facts are reported, not "malformed YAML")', () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'facts', 'dev.yaml'), '# Written by `facts pull --cluster dev`.\n\n');
    const errors = configErrors(dir);
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: facts.efsFileSystemId:'))).toBe(true);
    expect(errors.join('\n')).not.toContain('malformed YAML');
  });

  it('says to rename a cluster file whose name cannot be a cluster name, instead of asking for that name', () => {
    const dir = tempConfig();
    renameSync(join(dir, 'clusters', 'dev.yaml'), join(dir, 'clusters', 'Staging.yaml'));
    renameSync(join(dir, 'facts', 'dev.yaml'), join(dir, 'facts', 'Staging.yaml'));
    expect(configErrors(dir)).toEqual([
      'clusters/Staging.yaml: (file): the file name "Staging.yaml" is not a cluster name; allowed: rename the file to <name>.yaml, <name> being a lowercase DNS label of at most 24 characters (a-z, 0-9, "-"; starting with a letter)',
    ]);
  });

  it('accepts a user without password in ssh:// URLs only', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.gitops.repoURL = 'ssh://git@github.com/example-org/platform-gitops.git'));
    expect(configErrors(dir)).toEqual([]);
    editCluster(dir, 'dev', (d) => (d.gitops.repoURL = 'ssh://git:hunter2@github.com/example-org/platform-gitops.git'));
    expect(configErrors(dir)[0]).toMatch(/^clusters\/dev\.yaml: gitops\.repoURL: the value holds a URL with credentials \(ssh:\/\/\*\*\*@…\)/);
  });

  it('rejects NUL, direction overrides and zero-width characters in keys and values', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.addons['metrics-server'].values = { ['re\u200bplicas']: 1, env: 'a\u0000b', note: 'admin\u202egnp.exe' };
    });
    // Messages never carry the characters themselves (they would reorder or hide text in the terminal too).
    expect(configErrors(dir).map((e) => e.replace(/ at position.*/, ''))).toEqual([
      'clusters/dev.yaml: addons.metrics-server.values.re\\u200bplicas: the key holds the invisible character U+200B',
      'clusters/dev.yaml: addons.metrics-server.values.env: the value holds the invisible character U+0000',
      'clusters/dev.yaml: addons.metrics-server.values.note: the value holds the invisible character U+202E',
    ]);
  });

  it('checks what reaches file paths, git and facts at load', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.gitops.distPath = '../outside';
      d.gitops.targetRevision = '--orphan';
    });
    writeFileSync(join(dir, 'facts', 'dev.yaml'), 'efsFileSystemId: fs-0a1b2c3d4e5f60101\nkarpenterInterruptionQueue: "../queue"\nroleArns:\n  admin: "arn:aws:iam::111111111111:role/x"\n');
    const paths = configErrors(dir).map((e) => e.slice(0, e.search(/: (got|key) /)));
    expect(paths).toEqual([
      'facts/dev.yaml: karpenterInterruptionQueue',
      'facts/dev.yaml: roleArns.admin',
      'clusters/dev.yaml: gitops.targetRevision',
      'clusters/dev.yaml: gitops.distPath',
    ]);
  });
});

describe('every problem at once, with the fix', () => {
  it('a wrong name does not hide the missing-facts error of an add-on check', () => {
    const dir = tempConfig();
    // A facts file that exists but lacks a fact (no file at all is a cluster in stages, see new-cluster.test.ts).
    writeFileSync(join(dir, 'facts', 'dev.yaml'), '{}\n');
    editCluster(dir, 'dev', (d) => (d.name = 'staging'));
    const errors = configErrors(dir);
    expect(errors).toContain('clusters/dev.yaml: name: got "staging"; allowed: "dev", the file\'s name');
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: facts.efsFileSystemId:'))).toBe(true);
  });

  it("one add-on's wrong setting does not hide another add-on's check, nor a dependency problem", () => {
    const dir = tempConfig();
    writeFileSync(join(dir, 'facts', 'dev.yaml'), '{}\n');
    editCluster(dir, 'dev', (d) => {
      d.addons.reloader.replicas = 'two';
      d.addons.karpenter.enabled = false;
    });
    const errors = configErrors(dir);
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: addons.reloader.replicas:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: facts.efsFileSystemId:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('clusters/dev.yaml: addons.karpenter.enabled: got false while karpenter-node-pools is enabled'))).toBe(true);
  });

  it('says how to quote a version YAML read as a number', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons['metrics-server'].version = 3.13));
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: addons.metrics-server.version: got 3.13 (number); allowed: an exact chart version such as "3.13.1", written in quotes (YAML reads an unquoted 3.13 as a number)',
    ]);
  });

  it('says to drop the quotes of a number written as a string', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => (d.addons.reloader.replicas = '2'));
    expect(configErrors(dir)).toEqual(['clusters/dev.yaml: addons.reloader.replicas: got "2" (string); allowed: a whole number >= 1 and <= 5, without quotes']);
  });

  it('rejects a chart version in the other form than the chart writes (v3.13.1 for 3.13.1, and back)', () => {
    const dir = tempConfig();
    editCluster(dir, 'dev', (d) => {
      d.addons['metrics-server'].version = 'v3.13.1';
      d.addons['cert-manager'].version = '1.21.1';
    });
    expect(configErrors(dir)).toEqual([
      'clusters/dev.yaml: addons.metrics-server.version: got "v3.13.1" (string); allowed: an exact version without a leading "v", as metrics-server\'s chart writes them (pinned: "3.13.1")',
      'clusters/dev.yaml: addons.cert-manager.version: got "1.21.1" (string); allowed: an exact version with a leading "v", as cert-manager\'s chart writes them (pinned: "v1.21.1")',
    ]);
  });
});
