/**
 * A new cluster in stages (issue 12 item 6): without a facts file it renders its bootstrap template and nothing that
 * needs facts; synth says what to run next and exits 0; a facts file that exists but lacks a fact is still an error.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderBootstrapTemplate } from '../bootstrap/template.ts';
import { main } from '../src/cli.ts';
import { configErrors, editCluster, exampleCluster, newCluster, render, tempConfig, tempDir } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

describe('a cluster without its facts file', () => {
  it('renders only its bootstrap template and the review files, no Argo CD object', () => {
    const dir = tempConfig();
    newCluster(dir, 'staging');
    const staging = render('staging', dir);
    expect(staging.awaitingFacts).toBe(true);
    expect([...staging.files.keys()]).toEqual(['README.md', 'aws/cloudformation.json', 'manifest.json']);
    expect(staging.files.get('aws/cloudformation.json')).toBe(renderBootstrapTemplate(exampleCluster('staging', dir)));
    expect(staging.applications).toBe(0);
  });

  it('renders everything once the facts file exists', () => {
    const dir = tempConfig();
    newCluster(dir, 'staging');
    writeFileSync(join(dir, 'facts', 'staging.yaml'), 'clusterSecurityGroupId: sg-0a1b2c3d4e5f60909\nefsFileSystemId: fs-0a1b2c3d4e5f60909\noidcProvider: oidc.eks.eu-west-1.amazonaws.com/id/ABC\n');
    const staging = render('staging', dir);
    expect(staging.awaitingFacts).toBeUndefined();
    const apps = (r: ReturnType<typeof render>) => [...r.files.keys()].filter((f) => f.startsWith('apps/')).length;
    expect(apps(staging)).toBe(apps(render('dev')));
  });

  it('loads in management mode without the endpoint fact, and renders no fleet cluster Secret for it', () => {
    const dir = tempConfig();
    newCluster(dir, 'spoke', 'prod');
    expect(configErrors(dir)).toEqual([]);
    // Only its template and review files: no fleet cluster Secret (it would need the endpoint) and no Argo CD object.
    expect([...render('spoke', dir).files.keys()]).toEqual(['README.md', 'aws/cloudformation.json', 'manifest.json']);
  });

  it('is still an error when the facts file exists but lacks a fact the config needs', () => {
    const dir = tempConfig();
    newCluster(dir, 'staging');
    writeFileSync(join(dir, 'facts', 'staging.yaml'), 'oidcProvider: oidc.eks.eu-west-1.amazonaws.com/id/ABC\n');
    expect(configErrors(dir).join('\n')).toMatch(/^clusters\/staging\.yaml: facts\.efsFileSystemId: /m);
  });

  it('still reports the config errors that need no facts', () => {
    const dir = tempConfig();
    newCluster(dir, 'staging');
    editCluster(dir, 'staging', (d) => (d.addons.reloader.replicas = 'two'));
    expect(configErrors(dir)).toEqual(['clusters/staging.yaml: addons.reloader.replicas: got "two" (string); allowed: a whole number >= 1 and <= 5']);
  });

  it('synth exits 0 and says what to run next; bootstrap render writes and checks its template', async () => {
    const dir = tempConfig();
    newCluster(dir, 'staging');
    const out = tempDir();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
    expect(await main(['synth', '--config', dir, '--out', out])).toBe(0);
    expect(lines).toContainEqual(
      expect.stringMatching(/^staging: waiting for facts: run npm run bootstrap -- deploy --cluster staging, then npm run facts -- pull --cluster staging/),
    );
    expect(readdirSync(join(out, 'staging')).sort()).toEqual(['README.md', 'aws', 'manifest.json']);
    expect(existsSync(join(out, 'staging', 'apps'))).toBe(false);
    expect(await main(['bootstrap', 'render', '--config', dir, '--out', out, '--cluster', 'staging'])).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(/^staging: aws\/cloudformation\.json written; \d+ resources; CloudFormation spec and IAM checks passed$/));
  });
});
