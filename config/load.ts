/**
 * Reads and validates every cluster file (`<configDir>/clusters/<name>.yaml`) and its facts file
 * (`<configDir>/facts/<name>.yaml`). All problems of all files are collected and thrown together as a ConfigError,
 * one line each: file, key path, the bad value and what is allowed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { ADDONS } from '../charts/registry.ts';
import type { AddonContext } from '../charts/addon.ts';
import { baseClusterSchema, commonAddonSchema, factsSchema, type AddonConfig, type Cluster } from './cluster.ts';
import { didYouMean, obj, show, type Problem } from './schema.ts';
import { isMap } from '../src/merge.ts';

export interface FileProblem extends Problem {
  readonly file: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly FileProblem[]) {
    super(problems.map((p) => `${p.file}: ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Folder holding `clusters/` and `facts/`. */
  readonly configDir: string;
  /** Only these clusters (all when empty). Unknown names are errors. @default [] */
  readonly only?: readonly string[];
  /** Paths in messages are relative to this folder. @default process.cwd() */
  readonly relativeTo?: string;
}

const FILE = /^([^.]+)\.ya?ml$/;

/** Cluster files found in `<configDir>/clusters`, sorted by name. */
export function clusterFiles(configDir: string): string[] {
  const dir = join(configDir, 'clusters');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function parseYaml(path: string, display: string, problems: FileProblem[]): unknown {
  try {
    return load(readFileSync(path, 'utf8'), { filename: display });
  } catch (err) {
    if (err instanceof YAMLException) {
      const mark = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
      problems.push({ file: display, path: '(file)', message: `malformed YAML${mark}: ${err.reason}` });
      return undefined;
    }
    throw err;
  }
}

export function loadClusters(options: LoadOptions): Cluster[] {
  const rel = (p: string) => relative(options.relativeTo ?? process.cwd(), p) || p;
  const problems: FileProblem[] = [];
  const files = clusterFiles(options.configDir);
  const byName = new Map<string, string>();
  for (const file of files) {
    const name = basename(file).replace(FILE, '$1');
    if (byName.has(name)) {
      problems.push({ file: rel(file), path: 'name', message: `duplicate cluster name ${show(name)}, also defined by ${rel(byName.get(name)!)}; allowed: one file per cluster` });
    }
    byName.set(name, file);
  }
  const only = options.only ?? [];
  for (const name of only) {
    if (!byName.has(name)) {
      problems.push({
        file: rel(join(options.configDir, 'clusters')),
        path: '--cluster',
        message: `no cluster ${show(name)}${didYouMean(name, [...byName.keys()])}; allowed: ${[...byName.keys()].join(', ') || '(no cluster files)'}`,
      });
    }
  }
  if (files.length === 0) {
    problems.push({ file: rel(join(options.configDir, 'clusters')), path: '(folder)', message: 'no cluster files; allowed: one <name>.yaml per cluster' });
  }

  const clusters: Cluster[] = [];
  for (const [name, file] of byName) {
    if (only.length > 0 && !only.includes(name)) continue;
    const cluster = loadCluster(name, file, options.configDir, rel, problems);
    if (cluster) clusters.push(cluster);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return clusters;
}

function loadCluster(name: string, file: string, configDir: string, rel: (p: string) => string, all: FileProblem[]): Cluster | undefined {
  const display = rel(file);
  const problems: Problem[] = [];
  const raw = parseYaml(file, display, all);
  if (raw === undefined) return undefined;
  if (!isMap(raw)) {
    all.push({ file: display, path: '(file)', message: `got ${show(raw)}; allowed: a map of cluster settings` });
    return undefined;
  }

  const { addons: rawAddons, ...rest } = raw;
  const base = obj({ ...baseClusterSchema, addons: { describe: 'a map of add-on settings', fallback: () => ({}), check: (v) => v } }).check(
    { ...rest, addons: rawAddons },
    '',
    problems,
  );
  if (base.name !== undefined && base.name !== name) {
    problems.push({ path: 'name', message: `got ${show(base.name)}; allowed: ${show(name)}, the file's name` });
  }
  const addons = checkAddons(rawAddons, problems);

  const factsPath = join(configDir, 'facts', `${name}.yaml`);
  let facts = factsSchema.fallback!();
  if (existsSync(factsPath)) {
    const factProblems: Problem[] = [];
    const rawFacts = parseYaml(factsPath, rel(factsPath), all);
    if (rawFacts !== undefined) facts = factsSchema.check(rawFacts ?? {}, '', factProblems);
    all.push(...factProblems.map((p) => ({ ...p, file: rel(factsPath) })));
  }

  if (problems.length === 0) {
    const cluster: Cluster = { ...base, addons, facts, files: { config: display, facts: existsSync(factsPath) ? rel(factsPath) : undefined, source: relative(dirname(resolve(configDir)), file).split(sep).join('/') } };
    if (cluster.argocd.mode === 'management' && !cluster.facts.clusterEndpoint) {
      problems.push({
        path: 'argocd.mode',
        message: `"management" needs the cluster's API server URL, the fact clusterEndpoint in ${rel(factsPath)} (got nothing); allowed: run \`facts pull --cluster ${name}\` after the bootstrap, or use "in-cluster"`,
      });
    }
    for (const addon of ADDONS) {
      const config = addons[addon.id];
      if (!config.enabled || !addon.validate) continue;
      problems.push(...addon.validate({ cluster, config, settings: config.settings, addons: ADDONS } satisfies AddonContext<unknown>));
    }
    all.push(...problems.map((p) => ({ ...p, file: display })));
    return problems.length === 0 ? cluster : undefined;
  }
  all.push(...problems.map((p) => ({ ...p, file: display })));
  return undefined;
}

function checkAddons(raw: unknown, problems: Problem[]): Record<string, AddonConfig> {
  const ids = ADDONS.map((a) => a.id);
  const given = raw === undefined || raw === null ? {} : raw;
  if (!isMap(given)) {
    problems.push({ path: 'addons', message: `got ${show(raw)}; allowed: a map of add-on ids (${ids.join(', ')}) to their settings` });
    return {};
  }
  for (const key of Object.keys(given)) {
    if (!ids.includes(key as (typeof ids)[number])) {
      problems.push({ path: `addons.${key}`, message: `unknown add-on${didYouMean(key, ids)}; allowed: ${ids.join(', ')}` });
    }
  }
  const out: Record<string, AddonConfig> = {};
  for (const addon of ADDONS) {
    const shape = { ...commonAddonSchema, ...(addon.settings ?? {}) };
    const { enabled, version, values, ...settings } = obj(shape).check(given[addon.id] ?? {}, `addons.${addon.id}`, problems) as Record<string, unknown>;
    if (!addon.chart) {
      const own = isMap(given[addon.id]) ? (given[addon.id] as Record<string, unknown>) : {};
      for (const key of ['version', 'values'].filter((k) => own[k] !== undefined)) {
        problems.push({ path: `addons.${addon.id}.${key}`, message: `got ${show(own[key])}; allowed: nothing, ${addon.id} renders plain manifests, not a Helm chart` });
      }
    }
    out[addon.id] = {
      enabled: (enabled as boolean | undefined) ?? addon.enabledByDefault ?? true,
      version: version as string | undefined,
      values: (values as Record<string, unknown>) ?? {},
      settings,
    };
  }
  return out;
}
