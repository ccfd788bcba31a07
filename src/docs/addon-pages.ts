/**
 * Reference pages of the add-ons (`docs/addons/<id>.md` and the index `docs/addons/README.md`), generated from the
 * add-on definitions (charts/registry.ts): wave, chart, namespace, every setting with its allowed values, default
 * and meaning, the IAM policy its controller gets from the bootstrap, and dependencies. Only the block between
 * GENERATED_START and GENERATED_END is generated; the hand-written explanation around it is kept.
 * Pure functions; generate.ts does the I/O.
 */
import { basename, join } from 'node:path';
import { WAVES } from '../../charts/addon.ts';
import { roleName, SERVICE_ACCOUNTS, type Controller } from '../../config/naming.ts';
import type { JsonSchema, Schema } from '../../config/schema.ts';
import { CONTROLLER_POLICIES, type PolicyContext } from '../../bootstrap/iam/index.ts';
import type { PolicyStatement } from '../../bootstrap/cfn.ts';
import { functionDoc, type KeyDoc } from './jsdoc.ts';
import { addonShape, clusterKeyDocs, type AnyAddon, type DocSources } from './json-schema.ts';

export const GENERATED_START = '<!-- generated:start (npm run docs; edit the text outside this block) -->';
export const GENERATED_END = '<!-- generated:end -->';

export interface SettingRow {
  /** Key under `addons.<id>`: nested keys joined with `.`, list items `[]`, map values `.*`. */
  readonly key: string;
  /** What is allowed (the schema's `describe`). */
  readonly allowed: string;
  /** The default as Markdown, `required`, or `—` (absent: the feature is off or the add-on decides). */
  readonly default: string;
  readonly meaning: string;
}

/** Placeholders for the IAM policy shown in the docs; the bootstrap fills in the real cluster's. */
const POLICY_PLACEHOLDERS: PolicyContext = {
  cluster: '<cluster>',
  accountId: '<account-id>',
  region: '<region>',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  hostedZoneId: '<hosted-zone-id>',
  vpcId: '<vpc-id>',
  interruptionQueueArn: 'arn:aws:sqs:<region>:<account-id>:<cluster>-karpenter-interruption',
  karpenterNodeRoleArn: 'arn:aws:iam::<account-id>:role/<cluster>-karpenter-node',
  appParameterPrefix: '/<cluster>/apps',
  kmsKeyArn: '<cluster-kms-key-arn>',
  fileSystemArn: '<efs-file-system-arn>',
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (value: unknown): string => `\`${JSON.stringify(value)}\``;

/** A schema default as Markdown: the value when it is a string or short, else the JSDoc's words for it. */
function defaultText(value: unknown, doc: KeyDoc | undefined): string {
  if (value !== undefined && (typeof value === 'string' || JSON.stringify(value).length <= 40)) return code(value);
  if (doc?.default) return doc.default;
  return value === undefined ? '—' : 'see the meaning';
}

function nestedRows(json: JsonSchema, key: string, docOf: (key: string) => KeyDoc | undefined, rows: SettingRow[]): void {
  const props = json.properties as Record<string, JsonSchema> | undefined;
  if (props) {
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [k, child] of Object.entries(props)) {
      const path = `${key}.${k}`;
      const doc = docOf(path);
      const dflt = required.has(k) ? 'required' : child.properties && child.default === undefined ? 'each key\'s default' : defaultText(child.default, doc);
      rows.push({ key: path, allowed: String(child.description), default: dflt, meaning: doc?.text ?? '' });
      nestedRows(child, path, docOf, rows);
    }
  }
  if (json.items && typeof json.items === 'object') nestedRows(json.items as JsonSchema, `${key}[]`, docOf, rows);
  const extra = json.additionalProperties;
  if (extra && typeof extra === 'object') nestedRows(extra as JsonSchema, `${key}.*`, docOf, rows);
}

/**
 * Every key an add-on has under `addons.<id>`, nested keys included, in declaration order. Defaults come from the
 * schema (the value the loader fills in) and, where the schema leaves the key absent for the add-on's code to
 * default, from the props interface's `@default`.
 */
export function settingRows(addon: AnyAddon, docOf: (key: string) => KeyDoc | undefined): SettingRow[] {
  const rows: SettingRow[] = [];
  for (const [key, schema] of Object.entries(addonShape(addon)) as [string, Schema<unknown>][]) {
    const doc = docOf(key);
    let dflt: string;
    if (key === 'enabled') dflt = code(addon.enabledByDefault ?? true);
    else if (key === 'version') dflt = `${code(addon.chart!.version)} (pinned)`;
    else if (!schema.fallback) dflt = 'required';
    else dflt = defaultText(schema.fallback(), doc);
    // `enabled` is documented by its default only (config/cluster.ts); say what it does.
    const meaning = doc?.text || (key === 'enabled' ? 'Render this add-on; false removes its Application (and so its resources) from the cluster.' : '');
    rows.push({ key, allowed: schema.describe, default: dflt, meaning });
    if (schema.json) nestedRows(schema.json, key, docOf, rows);
  }
  return rows;
}

function actionsOf(statement: PolicyStatement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : [...statement.Action];
}

function iamSection(addon: AnyAddon, policiesDir: string): string[] {
  if (!addon.irsa) return ['## IAM', '', 'None: this add-on calls no AWS API.'];
  const controller: Controller = addon.irsa.controller;
  const build = CONTROLLER_POLICIES[controller];
  const policy = build(POLICY_PLACEHOLDERS);
  const actions = [...new Set(policy.Statement.flatMap(actionsOf))].sort();
  const sa = SERVICE_ACCOUNTS[controller];
  // One file per controller (bootstrap/iam/<controller>.ts), whose JSDoc names the upstream policy it derives from.
  const policiesFile = join(policiesDir, `${controller}.ts`);
  const source = functionDoc(policiesFile, build.name);
  return [
    '## IAM',
    '',
    `The bootstrap stack creates the role \`${roleName({ name: '<cluster>', aws: { accountId: '<account-id>', region: '<region>' } }, controller)}\`, ` +
      `trusted only by the service account \`${sa.namespace}/${sa.name}\` through the cluster's OIDC provider (IRSA), ` +
      `with one inline policy of ${policy.Statement.length} statements (\`${build.name}\` in bootstrap/iam/${basename(policiesFile)}).`,
    ...(source ? ['', `Source: ${source}`] : []),
    '',
    `Actions: ${actions.map((a) => `\`${a}\``).join(', ')}.`,
    '',
    '<details><summary>The policy, with placeholders for the cluster\'s names</summary>',
    '',
    '```json',
    JSON.stringify(policy, null, 2),
    '```',
    '',
    '</details>',
  ];
}

/** The generated block of `docs/addons/<id>.md`, markers included. */
export function addonBlock(addon: AnyAddon, sources: DocSources, policiesDir: string): string {
  const docs = clusterKeyDocs([addon], sources);
  const docOf = (key: string) => docs(`addons.${addon.id}.${key}`);
  const dependsOn = (addon as { dependsOn?: readonly string[] }).dependsOn ?? [];
  const facts: [string, string][] = [
    ['Description', addon.description],
    ['Sync wave', `${WAVES[addon.id]} (Applications sync in wave order; see [the add-on index](README.md))`],
    ['Namespace', `\`${addon.namespace}\`${addon.extraNamespaces?.length ? ` (also ${addon.extraNamespaces.map((n) => `\`${n}\``).join(', ')})` : ''}`],
    ['Enabled by default', addon.enabledByDefault === false ? 'no' : 'yes'],
  ];
  if (addon.chart) facts.push(['Helm chart', `\`${addon.chart.chart || addon.chart.repoURL}\` ${addon.chart.version} from \`${addon.chart.repoURL}\`, release \`${addon.chart.releaseName}\``]);
  else facts.push(['Helm chart', 'none: plain manifests rendered into `dist/<cluster>/addons/' + addon.id + '/`']);
  if (addon.crdChart) facts.push(['CRD chart', `\`${addon.crdChart.chart || addon.crdChart.repoURL}\` ${addon.crdChart.version} from \`${addon.crdChart.repoURL}\` (every sync upgrades the CRDs)`]);
  if (addon.chart && addon.manifests) facts.push(['Manifests', `also plain manifests in \`dist/<cluster>/addons/${addon.id}/\`, synced after the chart`]);
  facts.push(['Depends on', dependsOn.length ? dependsOn.map((d) => `[${d}](${d}.md)`).join(', ') : 'nothing besides the earlier waves']);

  const rows = settingRows(addon, docOf);
  const lines = [
    GENERATED_START,
    '',
    '| | |',
    '|---|---|',
    ...facts.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    `## Settings: \`addons.${addon.id}\` in \`config/clusters/<name>.yaml\``,
    '',
    '| Key | Allowed | Default | Meaning |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.key}\` | ${cell(r.allowed)} | ${cell(r.default)} | ${cell(r.meaning)} |`),
    '',
    ...iamSection(addon, policiesDir),
    '',
    GENERATED_END,
  ];
  return lines.join('\n');
}

/** The generated block of `docs/addons/README.md`: one row per add-on in sync order. */
export function addonIndexBlock(addons: readonly AnyAddon[]): string {
  const lines = [
    GENERATED_START,
    '',
    'Every add-on is an Argo CD Application in `dist/<cluster>/apps/`; Applications sync in wave order, and each wave',
    'waits until the previous one is Healthy. Set an add-on\'s keys under `addons.<id>` in `config/clusters/<name>.yaml`.',
    '',
    '| Wave | Add-on | Namespace | Chart | IAM role | What it does |',
    '|---:|---|---|---|---|---|',
    ...[...addons]
      .sort((a, b) => WAVES[a.id] - WAVES[b.id])
      .map(
        (a) =>
          `| ${WAVES[a.id]} | [${a.id}](${a.id}.md) | \`${a.namespace}\` | ${a.chart ? `${a.chart.chart || basename(a.chart.repoURL)} ${a.chart.version}` : 'manifests'} | ${a.irsa ? `\`<cluster>-${a.irsa.controller}\`` : '—'} | ${cell(a.description)} |`,
      ),
    '',
    GENERATED_END,
  ];
  return lines.join('\n');
}

/** A new page: title, generated block, and a place for the hand-written why. */
export function newAddonPage(addon: AnyAddon, block: string): string {
  return `# ${addon.id}\n\n${addon.description}.\n\n${block}\n\n## Notes\n\nWhy this add-on, how it is configured and what to watch: hand-written, kept by \`npm run docs\`.\n`;
}

/**
 * `page` with its generated block replaced by `block`.
 * @throws Error when `page` lacks either marker (the hand-written text must not be guessed at).
 */
export function replaceBlock(page: string, block: string, file: string): string {
  const start = page.indexOf(GENERATED_START.slice(0, 24));
  const end = page.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error(`${file}: no generated block; allowed: a page with the lines ${GENERATED_START} and ${GENERATED_END}`);
  return page.slice(0, start) + block + page.slice(end + GENERATED_END.length);
}
