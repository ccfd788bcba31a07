/**
 * Reads and validates every cluster file (`<configDir>/clusters/<name>.yaml`) and its facts file
 * (`<configDir>/facts/<name>.yaml`). All problems of all files are collected and thrown together as a ConfigError,
 * one line each: file, key path, the bad value and what is allowed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { awaitingFacts, baseClusterSchema, CLUSTER_NAME, CLUSTER_NAME_TEXT, commonAddonSchema, factsSchema, type AddonConfig, type Cluster } from './cluster.ts';
import { fleetCollisions } from './fleet-checks.ts';
import { didYouMean, isMap, obj, show, visible, type Problem, type Schema } from './schema.ts';
import { readConfigYaml } from './yaml.ts';

export interface FileProblem extends Problem {
  readonly file: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly FileProblem[]) {
    // Key paths come from the file too: escape what would hide or reorder text in a terminal or PR comment.
    super(problems.map((p) => visible(`${p.file}: ${p.path}: ${p.message}`)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** A dependency of one add-on on another (charts/addon.ts `AddonDependency`). */
export interface AddonDependencySpec {
  readonly id: string;
  readonly reason: string;
  readonly soft?: string;
  readonly optional?: string;
}

/**
 * What the loader needs of an add-on definition. charts/addon.ts `AddonDefinition` satisfies it; the list is an
 * argument (`ADDONS` from charts/registry.ts in the tool) so that config/ imports nothing from the layers above it.
 */
export interface AddonSpec {
  readonly id: string;
  /** Namespace the add-on runs in. */
  readonly namespace: string;
  /** Other namespaces it deploys into. @default [] */
  readonly extraNamespaces?: readonly string[];
  /** @default true */
  readonly enabledByDefault?: boolean;
  /** Chart add-ons accept `version` and `values`; the pinned version's form (with or without "v") is kept. */
  readonly chart?: { readonly version: string };
  readonly settings?: Readonly<Record<string, Schema<unknown>>>;
  /** Add-ons that must be enabled while this one is. @default [] */
  readonly dependsOn?: readonly AddonDependencySpec[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  validate?(ctx: { readonly cluster: Cluster; readonly config: AddonConfig; readonly settings: any; readonly addons: readonly AddonSpec[] }): Problem[];
}

export interface LoadOptions {
  /** Folder holding `clusters/` and `facts/`. */
  readonly configDir: string;
  /** The add-on registry (ADDONS of charts/registry.ts): their settings schemas, checks and dependencies. */
  readonly addons: readonly AddonSpec[];
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

/** Parses a config file safely (see yaml.ts); its problems are added to `all` with the file's name. */
function parseFile(path: string, display: string, all: FileProblem[]): unknown {
  const { value, problems } = readConfigYaml(path, display);
  all.push(...problems.map((p) => ({ ...p, file: display })));
  return problems.length > 0 && value === undefined ? undefined : value;
}

/**
 * Loads and checks the cluster files (all, or `only`), with their facts files, and the checks across clusters
 * (fleet-checks.ts: domains, zones, subnets, account-wide names) against every other cluster file, also when `only`
 * selects some. Throws ConfigError with every problem of every file; returns the clusters sorted by name.
 */
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
  const others: Cluster[] = [];
  for (const [name, file] of byName) {
    const selected = only.length === 0 || only.includes(name);
    // Clusters not selected are loaded for the fleet checks only; their own problems show when they are selected.
    const cluster = loadCluster(name, file, options, rel, selected ? problems : []);
    if (cluster) (selected ? clusters : others).push(cluster);
  }
  problems.push(...fleetCollisions(clusters, others));
  if (problems.length > 0) throw new ConfigError(problems);
  return clusters;
}

/**
 * One cluster file and its facts. The checks are independent stages, each run when what it reads is valid, so one
 * mistake never hides another: schema, file name, add-on settings, dependencies, facts, then the cross-field checks.
 */
function loadCluster(name: string, file: string, options: LoadOptions, rel: (p: string) => string, all: FileProblem[]): Cluster | undefined {
  const display = rel(file);
  const problems: Problem[] = [];
  const factsPath = join(options.configDir, 'facts', `${name}.yaml`);
  const factsFile = existsSync(factsPath) ? rel(factsPath) : undefined;
  const factProblems: Problem[] = [];
  let facts = factsSchema.fallback!();
  if (factsFile) {
    const rawFacts = parseFile(factsPath, factsFile, all);
    if (rawFacts !== undefined) facts = factsSchema.check(rawFacts ?? {}, '', factProblems);
    all.push(...factProblems.map((p) => ({ ...p, file: factsFile })));
  }

  const raw = parseFile(file, display, all);
  if (raw === undefined) return undefined;
  if (!isMap(raw)) {
    all.push({ file: display, path: '(file)', message: `got ${show(raw)}; allowed: a map of cluster settings` });
    return undefined;
  }
  const { addons: rawAddons, ...rest } = raw;
  const baseProblems: Problem[] = [];
  const base = obj({ ...baseClusterSchema, addons: { describe: 'a map of add-on settings', fallback: () => ({}), check: (v) => v } }).check(
    { ...rest, addons: rawAddons },
    '',
    baseProblems,
  );
  problems.push(...baseProblems);
  if (!CLUSTER_NAME.test(name)) {
    // The file name is the cluster name: say to rename the file, not to write a name that cannot be valid.
    problems.push({ path: '(file)', message: `the file name ${show(basename(file))} is not a cluster name; allowed: rename the file to <name>.yaml, <name> being ${CLUSTER_NAME_TEXT}` });
  } else if (base.name !== undefined && base.name !== name) {
    problems.push({ path: 'name', message: `got ${show(base.name)}; allowed: ${show(name)}, the file's name` });
  }
  const { addons, clean } = checkAddons(rawAddons, options.addons, problems);
  problems.push(...dependencyProblems(options.addons, addons));

  const cluster: Cluster = {
    ...base,
    // The file's name even when `name` is wrong: it is what the user meant, and the checks below can still run.
    name,
    addons,
    facts,
    files: { config: display, facts: factsFile, source: relative(dirname(resolve(options.configDir)), file).split(sep).join('/') },
  };
  // Facts come from this cluster's own stack: an endpoint, issuer or role of another region or account is a
  // mistake (or a planted value), and would point Argo CD or a controller at someone else's cluster or role.
  if (factsFile && factProblems.length === 0 && base.aws) {
    all.push(...factsOwnerProblems(cluster).map((p) => ({ ...p, file: factsFile })));
  }
  // No facts file yet: a new cluster in stages (render its bootstrap, deploy it, pull the facts). What needs facts
  // is checked once the file exists; a file that exists but lacks a fact is still an error.
  const waiting = awaitingFacts(cluster);
  if (!waiting && cluster.argocd?.mode === 'management' && factProblems.length === 0 && !cluster.facts.clusterEndpoint) {
    problems.push({
      path: 'argocd.mode',
      message: `"management" needs the cluster's API server URL, the fact clusterEndpoint in ${rel(factsPath)} (got nothing); allowed: run \`facts pull --cluster ${name}\` after the bootstrap, or use "in-cluster"`,
    });
  }
  // Add-on checks read the whole cluster, so they need valid base keys (a wrong `name` is replaced by the file's
  // above); each also needs its own settings valid.
  if (baseProblems.every((p) => p.path === 'name')) {
    for (const addon of options.addons) {
      const config = addons[addon.id];
      if (!config?.enabled || !addon.validate || !clean.has(addon.id)) continue;
      const found = addon.validate({ cluster, config, settings: config.settings, addons: options.addons });
      problems.push(...(waiting ? found.filter((p) => !p.path.startsWith('facts.')) : found));
    }
  }
  all.push(...problems.map((p) => ({ ...p, file: display })));
  return problems.length === 0 && factProblems.length === 0 ? cluster : undefined;
}

/**
 * Facts that do not belong to the cluster's own account and region: `clusterEndpoint` must be an EKS endpoint
 * (`https://<id>.<zone>.<region>.eks.amazonaws.com`, `.cn` in China), `oidcProvider` an EKS issuer in the same region,
 * and every `roleArns` entry a role in `aws.accountId`. Paths are keys of the facts file.
 */
function factsOwnerProblems(cluster: Cluster): Problem[] {
  const { accountId, region } = cluster.aws;
  const problems: Problem[] = [];
  const { clusterEndpoint, oidcProvider, roleArns } = cluster.facts;
  const endpoint = /^https:\/\/[A-Z0-9]+\.[a-z0-9]+\.([a-z0-9-]+)\.eks\.amazonaws\.com(\.cn)?\/?$/i.exec(clusterEndpoint ?? '');
  if (clusterEndpoint !== undefined && endpoint?.[1] !== region) {
    problems.push({ path: 'clusterEndpoint', message: `got ${show(clusterEndpoint)}; allowed: the EKS endpoint of this cluster in ${region} (https://<id>.<zone>.${region}.eks.amazonaws.com), as \`facts pull\` writes it` });
  }
  const issuer = /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com/.exec(oidcProvider ?? '');
  if (oidcProvider !== undefined && issuer?.[1] !== region) {
    problems.push({ path: 'oidcProvider', message: `got ${show(oidcProvider)}; allowed: an EKS OIDC issuer in ${region} (oidc.eks.${region}.amazonaws.com/id/…), as \`facts pull\` writes it` });
  }
  for (const [controller, arn] of Object.entries(roleArns ?? {})) {
    if (arn.split(':')[4] !== accountId) {
      problems.push({ path: `roleArns.${controller}`, message: `got ${show(arn)}; allowed: a role in this cluster's account ${accountId} (arn:aws:iam::${accountId}:role/…)` });
    }
  }
  return problems;
}

/** An enabled add-on whose (not optional) dependency is disabled: a problem at the dependency's `enabled`, naming both and the fix. */
function dependencyProblems(specs: readonly AddonSpec[], addons: Readonly<Record<string, AddonConfig>>): Problem[] {
  const problems: Problem[] = [];
  for (const addon of specs) {
    if (!addons[addon.id]?.enabled) continue;
    for (const dep of addon.dependsOn ?? []) {
      if (dep.optional || addons[dep.id] === undefined || addons[dep.id].enabled) continue;
      problems.push({
        path: `addons.${dep.id}.enabled`,
        message: `got false while ${addon.id} is enabled and needs it (${dep.reason}); allowed: true, or also disable ${addon.id} (addons.${addon.id}.enabled: false)`,
      });
    }
  }
  return problems;
}

/** The `addons` map: known ids, each add-on's settings. `clean` holds the ids whose own keys had no problem. */
function checkAddons(raw: unknown, specs: readonly AddonSpec[], problems: Problem[]): { addons: Record<string, AddonConfig>; clean: Set<string> } {
  const ids = specs.map((a) => a.id);
  const given = raw === undefined || raw === null ? {} : raw;
  const clean = new Set<string>();
  if (!isMap(given)) {
    problems.push({ path: 'addons', message: `got ${show(raw)}; allowed: a map of add-on ids (${ids.join(', ')}) to their settings` });
    return { addons: {}, clean };
  }
  for (const key of Object.keys(given)) {
    if (!ids.includes(key)) {
      problems.push({ path: `addons.${key}`, message: `unknown add-on${didYouMean(key, ids)}; allowed: ${ids.join(', ')}` });
    }
  }
  const out: Record<string, AddonConfig> = {};
  for (const addon of specs) {
    const own: Problem[] = [];
    const shape = { ...commonAddonSchema, ...(addon.settings ?? {}) };
    // A non-map (`reloader: 5`) is reported by check, which then returns undefined.
    const { enabled, version, values, ...settings } = (obj(shape).check(given[addon.id] ?? {}, `addons.${addon.id}`, own) ?? {}) as Record<string, unknown>;
    const mine: Record<string, unknown> = isMap(given[addon.id]) ? (given[addon.id] as Record<string, unknown>) : {};
    if (!addon.chart) {
      for (const key of ['version', 'values'].filter((k) => mine[k] !== undefined)) {
        own.push({ path: `addons.${addon.id}.${key}`, message: `got ${show(mine[key])}; allowed: nothing, ${addon.id} renders plain manifests, not a Helm chart` });
      }
    } else if (typeof version === 'string' && version.startsWith('v') !== addon.chart.version.startsWith('v')) {
      // Chart versions are matched as written: "v3.13.1" is another version than "3.13.1" in the Helm repository.
      own.push({
        path: `addons.${addon.id}.version`,
        message: `got ${show(version)} (string); allowed: an exact version ${addon.chart.version.startsWith('v') ? 'with' : 'without'} a leading "v", as ${addon.id}'s chart writes them (pinned: ${show(addon.chart.version)})`,
      });
    }
    if (own.length === 0) clean.add(addon.id);
    problems.push(...own);
    out[addon.id] = {
      enabled: (enabled as boolean | undefined) ?? addon.enabledByDefault ?? true,
      version: version as string | undefined,
      values: (values as Record<string, unknown>) ?? {},
      settings,
    };
  }
  return { addons: out, clean };
}
