/**
 * Reads a rendered tree: `dist/` (one folder per cluster), one cluster's folder, or any folder of YAML. Read are
 * `*.yaml`/`*.yml` files, and `*.json` under a cluster's apps/ and addons/ (Argo CD's directory sources sync JSON
 * too); README.md, manifest.json and the JSON templates in aws/ and bootstrap/ (not synced by Argo CD) are skipped. Each cluster's
 * settings (Kubernetes version, git repo and revision) come from its config file, read with the config schema
 * itself so defaults match the renderer's, without importing the add-on registry.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { loadAll, YAMLException } from 'js-yaml';
import { baseClusterSchema } from '../../config/cluster.ts';
import { obj, type Problem } from '../../config/schema.ts';
import type { ValidationProblem } from './problems.ts';

export type K8sObject = {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, unknown>; labels?: Record<string, unknown> };
} & Record<string, unknown>;

export interface RenderedObject {
  /** Path for messages. */
  readonly file: string;
  /** Path relative to the cluster folder, `/`-separated, e.g. `addons/reloader/deployment_x_y.yaml`. */
  readonly rel: string;
  readonly object: K8sObject;
}

export interface ClusterSettings {
  readonly kubernetesVersion: string;
  readonly gitops: { readonly repoURL: string; readonly targetRevision: string; readonly distPath: string };
  readonly argocdNamespace: string;
  /** The cluster file as messages show it, e.g. `config/clusters/dev.yaml`. */
  readonly configFile: string;
  /** The file's `addons` map as written (no defaults), to point problems in rendered output back at their key. */
  readonly addons: Readonly<Record<string, unknown>>;
}

export interface ClusterTree {
  /** Folder name (the cluster's name), or undefined for loose files. */
  readonly name?: string;
  readonly dir: string;
  readonly objects: RenderedObject[];
  /** From `<configDir>/clusters/<name>.yaml`; undefined when there is no such file or it is invalid. */
  readonly settings?: ClusterSettings;
}

const LAYOUT = ['apps', 'addons', 'bootstrap'];
const YAML_FILE = /\.ya?ml$/;
/** JSON that Argo CD syncs: the folders its Applications point at. */
const SYNCED_JSON = /^(apps|addons)\/.+\.json$/;

function isClusterDir(dir: string): boolean {
  return LAYOUT.some((d) => existsSync(join(dir, d)) && statSync(join(dir, d)).isDirectory());
}

function manifestFiles(dir: string, cluster: boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue; // staging folders of a synth in progress, editor files
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (YAML_FILE.test(e.name) || (cluster && SYNCED_JSON.test(relative(dir, full).split('\\').join('/')))) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

export interface ReadOptions {
  /** Folder with `clusters/`, to read each cluster's settings. */
  readonly configDir: string;
  /** File paths in messages are relative to this. @default process.cwd() */
  readonly relativeTo?: string;
}

/** Reads every YAML object under `root`, grouped by cluster; unreadable files are problems. */
export function readTree(root: string, options: ReadOptions, problems: ValidationProblem[]): ClusterTree[] {
  const display = (p: string) => relative(options.relativeTo ?? process.cwd(), p).split('\\').join('/') || p;
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push({ file: display(root), object: '(folder)', path: '(folder)', message: 'not a folder; allowed: dist/ or a folder of rendered YAML', check: 'file' });
    return [];
  }
  const groups: Array<{ name?: string; dir: string }> = [];
  if (isClusterDir(root)) groups.push({ name: basename(root), dir: root });
  else {
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) groups.push({ name: isClusterDir(join(root, e.name)) ? e.name : undefined, dir: join(root, e.name) });
    }
    groups.push({ name: undefined, dir: root });
  }

  const trees: ClusterTree[] = [];
  for (const g of groups.sort((a, b) => a.dir.localeCompare(b.dir))) {
    // Loose files directly in root only; subfolders that are not clusters are read as loose files too.
    const files = g.dir === root && !g.name ? readdirSync(root).filter((f) => YAML_FILE.test(f)).map((f) => join(root, f)) : manifestFiles(g.dir, g.name !== undefined);
    const objects: RenderedObject[] = [];
    for (const path of files) {
      const file = display(path);
      let docs: unknown[];
      try {
        const text = readFileSync(path, 'utf8');
        docs = path.endsWith('.json') ? [JSON.parse(text)] : loadAll(text, { filename: file });
      } catch (err) {
        if (err instanceof SyntaxError) {
          problems.push({ file, object: '(file)', path: '(file)', message: `malformed JSON: ${err.message}; allowed: one Kubernetes object as JSON`, check: 'file' });
          continue;
        }
        if (!(err instanceof YAMLException)) throw err;
        const mark = err.mark ? ` at line ${err.mark.line + 1}, column ${err.mark.column + 1}` : '';
        problems.push({ file, object: '(file)', path: '(file)', message: `malformed YAML${mark}: ${err.reason}`, check: 'file' });
        continue;
      }
      for (const doc of docs) {
        if (doc === null || doc === undefined) continue;
        if (typeof doc !== 'object' || Array.isArray(doc)) {
          problems.push({ file, object: '(file)', path: '(root)', message: `got ${typeof doc}; allowed: a Kubernetes object (a map)`, check: 'file' });
          continue;
        }
        objects.push({ file, rel: relative(g.dir, path).split('\\').join('/'), object: doc as K8sObject });
      }
    }
    if (objects.length === 0 && !g.name) continue;
    trees.push({ name: g.name, dir: g.dir, objects, settings: g.name ? clusterSettings(options.configDir, g.name, display, problems) : undefined });
  }
  return trees;
}

/** The settings validation needs from a cluster's config file, defaults filled by the config schema. */
export function clusterSettings(configDir: string, name: string, display: (p: string) => string, problems: ValidationProblem[]): ClusterSettings | undefined {
  const path = [join(configDir, 'clusters', `${name}.yaml`), join(configDir, 'clusters', `${name}.yml`)].find((p) => existsSync(p));
  if (!path) {
    problems.push({
      file: display(join(configDir, 'clusters', `${name}.yaml`)),
      object: `(cluster ${name})`,
      path: '(file)',
      message: `no config for the rendered cluster folder ${name}; allowed: a cluster rendered by \`npm run synth\` from its config (pass --config DIR)`,
      check: 'file',
    });
    return undefined;
  }
  const issues: Problem[] = [];
  let raw: unknown;
  try {
    raw = loadAll(readFileSync(path, 'utf8'))[0];
  } catch {
    raw = undefined;
  }
  const { addons, ...rest } = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const base = obj(baseClusterSchema).check(rest, '', issues);
  if (issues.length > 0) {
    problems.push({ file: display(path), object: `(cluster ${name})`, path: issues[0].path, message: `${issues[0].message} (fix the config, then re-run synth)`, check: 'file' });
    return undefined;
  }
  return {
    kubernetesVersion: base.kubernetesVersion,
    gitops: base.gitops,
    argocdNamespace: base.argocd.namespace,
    configFile: display(path),
    addons: addons !== null && typeof addons === 'object' && !Array.isArray(addons) ? (addons as Record<string, unknown>) : {},
  };
}
