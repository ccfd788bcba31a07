/**
 * The fleet config, `config/fleet.yaml`: its presence turns fleet mode on (one management Argo CD drives every
 * cluster whose `argocd.mode` is `management`; apps/fleet.ts builds the objects, src/fleet.ts renders them).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Cluster } from './cluster.ts';
import { ConfigError, type FileProblem } from './load.ts';
import { obj, show, str, type Infer } from './schema.ts';
import { readConfigYaml } from './yaml.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const fleetSchema = obj({
  /** Names the ApplicationSet (`<name>-roots`) and the `eks-platform/fleet` label its generator selects. @default "platform" */
  name: str({ pattern: /^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/, patternText: 'a lowercase DNS label of at most 42 characters', default: 'platform' }),
  /** Namespace of the management Argo CD; every member's `argocd.namespace` must equal it. @default "argocd" */
  namespace: str({ pattern: DNS_LABEL, patternText: 'a namespace name', default: 'argocd' }),
});

export type FleetSettings = Infer<typeof fleetSchema>;

export interface Fleet extends FleetSettings {
  /** The file it was read from, as messages show it (relative to the working directory, or to `relativeTo`). */
  readonly file: string;
  /** The file relative to the config folder's parent (`config/fleet.yaml`), for the rendered header: the same from any directory. */
  readonly source: string;
}

export interface LoadFleetOptions {
  /** Folder holding `fleet.yaml` (the config folder). */
  readonly configDir: string;
  /** Paths in messages are relative to this folder. @default process.cwd() */
  readonly relativeTo?: string;
}

/**
 * Reads `<configDir>/fleet.yaml` within the limits of every config file (config/yaml.ts `readConfigYaml`: size,
 * nesting, aliases, forbidden keys); `undefined` when there is none (fleet mode off). Throws ConfigError with every
 * problem of the file.
 */
export function loadFleet(options: LoadFleetOptions): Fleet | undefined {
  const path = join(options.configDir, 'fleet.yaml');
  if (!existsSync(path)) return undefined;
  const file = relative(options.relativeTo ?? process.cwd(), path) || path;
  // An empty (or comments-only) fleet.yaml is fleet mode with every default.
  const { value, problems } = readConfigYaml(path, file);
  const settings = value === undefined ? undefined : fleetSchema.check(value ?? {}, '', problems);
  if (problems.length > 0 || settings === undefined) throw new ConfigError(problems.map((p) => ({ ...p, file })));
  return { ...settings, file, source: relative(dirname(resolve(options.configDir)), path).split(sep).join('/') };
}

/** Clusters the management Argo CD drives; in-cluster ones run their own Argo CD and keep their hand-applied root. */
export function isFleetMember(cluster: Cluster): boolean {
  return cluster.argocd.mode === 'management';
}

/**
 * Checks that cannot be made per file. `complete` says whether `clusters` is every cluster (a full synth), so that
 * "no member at all" is only reported when it is true.
 */
export function fleetProblems(fleet: Fleet, clusters: readonly Cluster[], complete: boolean): FileProblem[] {
  const problems: FileProblem[] = [];
  for (const cluster of clusters.filter(isFleetMember)) {
    if (cluster.argocd.namespace !== fleet.namespace) {
      problems.push({
        file: cluster.files.config,
        path: 'argocd.namespace',
        message: `got ${show(cluster.argocd.namespace)}; allowed: ${show(fleet.namespace)}, the management Argo CD's namespace in ${fleet.file} (the ApplicationSet creates every root there)`,
      });
    }
  }
  if (complete && !clusters.some(isFleetMember)) {
    problems.push({
      file: fleet.file,
      path: '(file)',
      message: `no cluster has argocd.mode "management" (got ${clusters.map((c) => `${c.name}: ${show(c.argocd.mode)}`).join(', ')}); allowed: at least one member, or delete ${fleet.file} to turn fleet mode off`,
    });
  }
  return problems;
}
