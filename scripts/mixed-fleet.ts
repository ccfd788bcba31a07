/**
 * A generated mixed dev/prod fleet for the benchmark and the streaming tests: `count` clusters alternating copies of
 * the examples config/clusters/dev.yaml and prod.yaml (with their facts), each with its own name (`c0001`…), DNS
 * domain, hosted zone, VPC and subnet ids (the loader refuses clusters that share them). No fleet.yaml (prod's management mode would need one Argo CD per fleet).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.ts';

/** Writes `<dir>/clusters/*.yaml` and `<dir>/facts/*.yaml` for `count` clusters and returns `dir`. */
export function mixedFleetConfig(dir: string, count: number, source = join(PROJECT_ROOT, 'config')): string {
  mkdirSync(join(dir, 'clusters'), { recursive: true });
  mkdirSync(join(dir, 'facts'), { recursive: true });
  const templates = ['dev', 'prod'].map((env) => ({
    cluster: readFileSync(join(source, 'clusters', `${env}.yaml`), 'utf8'),
    facts: readFileSync(join(source, 'facts', `${env}.yaml`), 'utf8'),
  }));
  for (let i = 1; i <= count; i++) {
    const name = `c${String(i).padStart(4, '0')}`;
    const t = templates[i % 2];
    // 17 hex digits in an AWS id: the cluster number in the first 8 keeps every id unique and well-formed.
    const hex = i.toString(16).padStart(8, '0');
    const text = t.cluster
      .replace(/^name: \S+$/m, `name: ${name}`)
      .replace(/^(\s+domain: )(\S+)$/m, `$1${name}.$2`)
      .replace(/^(\s+hostedZoneId: )\S+$/m, `$1Z0${hex.toUpperCase()}FLEETZONE`)
      .replace(/\b(vpc|subnet)-[0-9a-f]{8}([0-9a-f]{9})\b/g, `$1-${hex}$2`);
    writeFileSync(join(dir, 'clusters', `${name}.yaml`), text);
    writeFileSync(join(dir, 'facts', `${name}.yaml`), t.facts);
  }
  return dir;
}
