/**
 * Config folders built from scratch for tests that must not depend on the example clusters in config/: each cluster
 * file holds only the required keys, with ids derived from a number so that clusters never collide by accident.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { tempDir } from './helpers.ts';

export interface FixtureCluster {
  readonly name: string;
  /** Distinct per cluster: subnet ids, domain and hosted zone derive from it. */
  readonly n: number;
  /** @default "111111111111" */
  readonly accountId?: string;
  /** @default "eu-west-1" */
  readonly region?: string;
  /** Edits of the parsed cluster document before it is written. @default none */
  readonly edit?: (doc: Record<string, any>) => void;
}

/** The cluster document of a fixture cluster, without its edits. */
export function fixtureDoc(c: FixtureCluster): Record<string, any> {
  const hex = c.n.toString(16).padStart(4, '0');
  return {
    name: c.name,
    environment: 'dev',
    aws: { accountId: c.accountId ?? '111111111111', region: c.region ?? 'eu-west-1' },
    kubernetesVersion: '1.33',
    network: { vpcId: `vpc-0000000000000${hex}`, privateSubnetIds: [`subnet-0000000000001${hex}`, `subnet-0000000000002${hex}`] },
    dns: { domain: `c${c.n}.example.com`, hostedZoneId: `Z000000000000000${hex.toUpperCase()}` },
    gitops: { repoURL: 'https://github.com/example-org/platform-gitops.git' },
    addons: {},
  };
}

/** A config folder with these clusters and a facts file each (the facts every add-on check needs). */
export function fixtureConfig(clusters: readonly FixtureCluster[]): string {
  const dir = tempDir('platform-fixture-');
  mkdirSync(join(dir, 'clusters'));
  mkdirSync(join(dir, 'facts'));
  for (const c of clusters) {
    const doc = fixtureDoc(c);
    c.edit?.(doc);
    writeFileSync(join(dir, 'clusters', `${c.name}.yaml`), dump(doc));
    writeFileSync(join(dir, 'facts', `${c.name}.yaml`), dump({ clusterSecurityGroupId: `sg-00000000000${c.n.toString(16).padStart(6, '0')}`, efsFileSystemId: `fs-00000000000${c.n.toString(16).padStart(6, '0')}` }));
  }
  return dir;
}
