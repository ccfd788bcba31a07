import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessDeniedException, GetParametersByPathCommand, SSMClient, ThrottlingException, type Parameter } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { factsTarget, pullFacts, type FactsTarget } from '../src/facts.ts';
import { editCluster, exampleCluster, tempConfig } from './helpers.ts';

const ssm = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const mock = mockClient(ssm);

const param = (name: string, value: string, type = 'String'): Parameter => ({ Name: `/dev/facts/${name}`, Value: value, Type: type as Parameter['Type'] });
const BOOTSTRAP = [
  param('clusterEndpoint', 'https://ABCDEF0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com'),
  param('oidcProvider', 'oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789'),
  param('clusterSecurityGroupId', 'sg-0123456789abcdef0'),
  param('efsFileSystemId', 'fs-0123456789abcdef0'),
  param('roleArns/karpenter', 'arn:aws:iam::111111111111:role/dev-karpenter-custom'),
  param('karpenterInterruptionQueue', 'dev-karpenter-events'),
];

let configDir: string;
let target: FactsTarget;
let sleeps: number[];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeEach(() => {
  mock.reset();
  configDir = tempConfig();
  target = factsTarget(configDir, 'dev');
  sleeps = [];
});
afterEach(() => mock.reset());

const factsFile = () => readFileSync(target.factsFile, 'utf8');

describe('facts pull', () => {
  it('reads the cluster file: region, account, required facts, facts file', () => {
    expect(target).toEqual({
      name: 'dev',
      region: 'eu-west-1',
      accountId: '111111111111',
      required: ['clusterSecurityGroupId', 'efsFileSystemId', 'oidcProvider'],
      factsFile: join(configDir, 'facts', 'dev.yaml'),
    });
    // prod's Argo CD is on the management cluster: it needs the API server URL too.
    expect(factsTarget(configDir, 'prod').required).toEqual(['clusterEndpoint', 'clusterSecurityGroupId', 'efsFileSystemId', 'oidcProvider']);
    editCluster(configDir, 'dev', (doc) => {
      doc.addons['efs-controller'] = { enabled: false };
    });
    expect(factsTarget(configDir, 'dev').required).toEqual(['clusterSecurityGroupId', 'oidcProvider']);
  });

  it('follows every page and writes a sorted file with a header, reading recursively', async () => {
    mock
      .on(GetParametersByPathCommand, { NextToken: undefined })
      .resolves({ Parameters: BOOTSTRAP.slice(0, 2), NextToken: 'page-2' })
      .on(GetParametersByPathCommand, { NextToken: 'page-2' })
      .resolves({ Parameters: BOOTSTRAP.slice(2, 4), NextToken: 'page-3' })
      .on(GetParametersByPathCommand, { NextToken: 'page-3' })
      .resolves({ Parameters: BOOTSTRAP.slice(4) });

    const result = await pullFacts({ target, client: ssm, sleep });

    expect(result).toEqual({ file: target.factsFile, parameters: 6, changed: true });
    const calls = mock.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
    expect(calls.every((c) => c.Path === '/dev/facts' && c.Recursive === true)).toBe(true);
    expect(factsFile()).toBe(
      [
        '# Written by `facts pull --cluster dev` from SSM Parameter Store (/dev/facts/...). Do not edit by hand.',
        'clusterEndpoint: https://ABCDEF0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
        'clusterSecurityGroupId: sg-0123456789abcdef0',
        'efsFileSystemId: fs-0123456789abcdef0',
        'karpenterInterruptionQueue: dev-karpenter-events',
        'oidcProvider: oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789',
        'roleArns:',
        '  karpenter: arn:aws:iam::111111111111:role/dev-karpenter-custom',
        '',
      ].join('\n'),
    );
    // The written file is what the loader reads: the cluster loads with the pulled facts.
    expect(exampleCluster('dev', configDir).facts.efsFileSystemId).toBe('fs-0123456789abcdef0');
    expect(readdirSync(join(configDir, 'facts')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('is deterministic: the same parameters in another order give the same bytes and no rewrite', async () => {
    mock.on(GetParametersByPathCommand).resolves({ Parameters: BOOTSTRAP });
    await pullFacts({ target, client: ssm, sleep });
    const first = factsFile();
    mock.reset();
    mock.on(GetParametersByPathCommand).resolves({ Parameters: [...BOOTSTRAP].reverse() });
    const again = await pullFacts({ target, client: ssm, sleep });
    expect(again.changed).toBe(false);
    expect(factsFile()).toBe(first);
  });

  it('retries throttling with growing backoff, then succeeds', async () => {
    const throttled = () => new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });
    mock.on(GetParametersByPathCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ Parameters: BOOTSTRAP });

    const result = await pullFacts({ target, client: ssm, sleep, baseDelayMs: 100, random: () => 0.999999 });

    expect(result.changed).toBe(true);
    expect(mock.commandCalls(GetParametersByPathCommand)).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('fails after the last throttled attempt and leaves the facts file untouched', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
    await expect(pullFacts({ target, client: ssm, sleep, maxAttempts: 3 })).rejects.toThrow(
      /SSM kept throttling GetParametersByPath on \/dev\/facts .*the facts file was not changed/,
    );
    expect(mock.commandCalls(GetParametersByPathCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(factsFile()).toBe(before);
  });

  it('fails on access denied with the permission it needs, without retrying, file untouched', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform ssm:GetParametersByPath', Message: 'not authorized to perform ssm:GetParametersByPath', $metadata: {} }));
    const err = await pullFacts({ target, client: ssm, sleep }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('FactsError');
    expect((err as Error).message).toContain('access denied reading /dev/facts in eu-west-1');
    expect((err as Error).message).toContain('ssm:GetParametersByPath on arn:aws:ssm:eu-west-1:111111111111:parameter/dev/facts/*');
    expect(mock.commandCalls(GetParametersByPathCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(factsFile()).toBe(before);
  });

  it('fails on an empty path, naming path, account and region; file untouched', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    await expect(pullFacts({ target, client: ssm, sleep })).rejects.toThrow(
      'no parameters under /dev/facts in account 111111111111, region eu-west-1 (the facts file was not changed); allowed: run the bootstrap for cluster dev first',
    );
    expect(factsFile()).toBe(before);
  });

  it('fails on missing required parameters, listing each; file untouched', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).resolves({ Parameters: [BOOTSTRAP[0]] });
    await expect(pullFacts({ target, client: ssm, sleep })).rejects.toThrow(
      'missing parameters /dev/facts/clusterSecurityGroupId, /dev/facts/efsFileSystemId, /dev/facts/oidcProvider; allowed: the bootstrap publishes them',
    );
    expect(factsFile()).toBe(before);
  });

  it('fails on values the facts schema rejects, unknown facts and non-String parameters; file untouched', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).resolves({
      Parameters: [
        ...BOOTSTRAP.slice(1),
        param('clusterEndpoint', 'http://insecure.example.com'),
        param('efsFileSytemId', 'fs-1'),
        param('roleArns/external-dns', 'not-an-arn'),
        param('secret', 'x', 'SecureString'),
        param('a/b/c', 'x'),
      ],
    });
    const message = await pullFacts({ target, client: ssm, sleep }).catch((e: Error) => e.message);
    expect(message).toContain('/dev/facts/clusterEndpoint: got "http://insecure.example.com" (string); allowed: an https:// URL');
    expect(message).toContain('/dev/facts/efsFileSytemId: unknown key (did you mean "efsFileSystemId"?)');
    expect(message).toContain('/dev/facts/roleArns/external-dns: got "not-an-arn" (string); allowed: an IAM role ARN');
    expect(message).toContain('/dev/facts/secret: type "SecureString"; allowed: String');
    expect(message).toContain('/dev/facts/a/b/c: not a fact parameter');
    expect(factsFile()).toBe(before);
  });

  it('fails for an unknown cluster and for a cluster file without a valid aws block', () => {
    expect(() => factsTarget(configDir, 'qa')).toThrow(/no cluster file .*qa\.yaml/);
    writeFileSync(join(configDir, 'clusters', 'dev.yaml'), 'name: dev\naws:\n  accountId: "1"\n  region: eu-west-1\n');
    expect(() => factsTarget(configDir, 'dev')).toThrow('aws.accountId: got "1" (string); allowed: a quoted 12-digit AWS account id');
  });

  it('removes its temporary file when the final rename fails', async () => {
    const before = factsFile();
    mock.on(GetParametersByPathCommand).resolves({ Parameters: BOOTSTRAP });
    // An empty folder where the facts file should be: the temp file is written, the rename over a folder fails.
    const blocked = join(configDir, 'facts', 'blocked.yaml');
    mkdirSync(blocked);
    await expect(pullFacts({ target: { ...target, factsFile: blocked }, client: ssm, sleep })).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(readdirSync(join(configDir, 'facts')).sort()).toEqual(['blocked.yaml', 'dev.yaml', 'prod.yaml']);
    expect(factsFile()).toBe(before);
  });
});
