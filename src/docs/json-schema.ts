/**
 * JSON Schemas of the config files (cluster, facts, fleet) for editors, built from the same schemas the loader
 * checks with (config/schema.ts `json`), with each key's meaning taken from its JSDoc. The YAML extension of VS Code,
 * JetBrains IDEs and Neovim (yaml-language-server) reads them through the `# yaml-language-server: $schema=…`
 * modeline at the top of each example file: completion, hover text, defaults and errors while typing.
 * Rules the loader checks across fields or files (e.g. `name` equals the file name, facts an add-on needs) are not
 * expressible here; the loader reports them.
 */
import { join } from 'node:path';
import type { AddonDefinition } from '../../charts/addon.ts';
import { baseClusterSchema, commonAddonSchema, factsSchema } from '../../config/cluster.ts';
import { obj, type JsonSchema, type Schema } from '../../config/schema.ts';
import { fleetSchema } from '../../config/fleet.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { addonPropsDocs, schemaKeyDocs, type KeyDoc, type KeyDocs } from './jsdoc.ts';

/** Files whose JSDoc documents the config keys (for the lookups below). */
export interface DocSources {
  /** config/cluster.ts: baseClusterSchema, commonAddonSchema, factsSchema. */
  readonly clusterFile: string;
  /** The file holding `fleetSchema`. */
  readonly fleetFile: string;
  /** Every add-on source file (charts/**), searched for `defineAddon<Props>` and the props interfaces. */
  readonly addonFiles: readonly string[];
}

export const DEFAULT_DOC_SOURCES = (addonFiles: readonly string[]): DocSources => ({
  clusterFile: join(PROJECT_ROOT, 'config', 'cluster.ts'),
  fleetFile: join(PROJECT_ROOT, 'config', 'fleet.ts'),
  addonFiles,
});

/** An add-on of any settings type, as charts/registry.ts lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
export type AnyAddon = AddonDefinition<any>;

/** The keys an add-on has under `addons.<id>`: `enabled`, plus `version`/`values` for charts, plus its own settings. */
export function addonShape(addon: AnyAddon): Record<string, Schema<unknown>> {
  const common = addon.chart ? commonAddonSchema : { enabled: commonAddonSchema.enabled };
  return { ...common, ...(addon.settings ?? {}) } as Record<string, Schema<unknown>>;
}

/** Key path → JSDoc for a cluster file: base keys, then `addons.<id>.<key>` from the common schema and the add-on's props. */
export function clusterKeyDocs(addons: readonly AnyAddon[], sources: DocSources): (path: string) => KeyDoc | undefined {
  const base = schemaKeyDocs(sources.clusterFile, 'baseClusterSchema');
  const common = schemaKeyDocs(sources.clusterFile, 'commonAddonSchema');
  const perAddon = new Map<string, KeyDocs>(addons.map((a) => [a.id, addonPropsDocs(sources.addonFiles, a.id)]));
  return (path) => {
    const m = /^addons\.([^.]+)\.(.+)$/.exec(path);
    if (!m) return base.get(path);
    return common.get(m[2]) ?? perAddon.get(m[1])?.get(m[2]);
  };
}

/** One hover text: the meaning, the documented default when the schema has none, and what is allowed. */
export function hoverText(json: JsonSchema, doc: KeyDoc | undefined): string {
  const parts = [doc?.text, doc?.default !== undefined && json.default === undefined ? `Default: ${doc.default}.` : '', `Allowed: ${String(json.description)}.`];
  return parts.filter(Boolean).join(' ');
}

/** A deep copy of `json` whose descriptions carry each key's meaning (paths as in jsdoc.ts). */
function annotate(json: JsonSchema, path: string, docOf: (path: string) => KeyDoc | undefined): JsonSchema {
  const out: Record<string, unknown> = { ...json };
  if (path) out.description = hoverText(json, docOf(path));
  const props = json.properties as Record<string, JsonSchema> | undefined;
  if (props) out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, annotate(v, path ? `${path}.${k}` : k, docOf)]));
  if (json.items && typeof json.items === 'object') out.items = annotate(json.items as JsonSchema, `${path}[]`, docOf);
  const extra = json.additionalProperties;
  if (extra && typeof extra === 'object' && Object.keys(extra).length > 0) out.additionalProperties = annotate(extra as JsonSchema, `${path}.*`, docOf);
  return out;
}

function document(id: string, title: string, json: JsonSchema): JsonSchema {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: id, title, ...json };
}

/** JSON Schema of `config/clusters/<name>.yaml`, add-on keys included. */
export function clusterFileJsonSchema(addons: readonly AnyAddon[], sources: DocSources): JsonSchema {
  const addonsSchema = obj(Object.fromEntries(addons.map((a) => [a.id, obj(addonShape(a), { optional: true })])), { optional: true });
  const root = obj({ ...baseClusterSchema, addons: addonsSchema }).json!;
  const annotated = annotate(root, '', clusterKeyDocs(addons, sources));
  return document('cluster.schema.json', 'EKS platform cluster file (config/clusters/<name>.yaml)', {
    ...annotated,
    description: 'One cluster: its AWS account, network, DNS, GitOps source, Argo CD mode, bootstrap stack and add-on settings. Generated by `npm run docs` from config/cluster.ts and charts/.',
  });
}

/** JSON Schema of `config/facts/<name>.yaml` (written by `npm run facts -- pull`). */
export function factsFileJsonSchema(sources: DocSources): JsonSchema {
  const docs = schemaKeyDocs(sources.clusterFile, 'factsSchema');
  return document('facts.schema.json', 'EKS platform facts file (config/facts/<name>.yaml)', {
    ...annotate(factsSchema.json!, '', (p) => docs.get(p)),
    description: 'What the AWS bootstrap published to SSM, written by `npm run facts -- pull`. Do not edit by hand. Generated by `npm run docs`.',
  });
}

/** JSON Schema of `config/fleet.yaml`. */
export function fleetFileJsonSchema(sources: DocSources): JsonSchema {
  const docs = schemaKeyDocs(sources.fleetFile, 'fleetSchema');
  return document('fleet.schema.json', 'EKS platform fleet file (config/fleet.yaml)', {
    ...annotate(fleetSchema.json!, '', (p) => docs.get(p)),
    description: 'Fleet mode: one management Argo CD creates the root Application of every cluster with argocd.mode "management". Generated by `npm run docs`.',
  });
}
