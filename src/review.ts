/**
 * Review aids written beside each cluster's rendered files, computed from those files only (so they can never
 * disagree with what is committed):
 * - `manifest.json`: one entry per rendered file (Application, wave, kind, namespace, name, sha256), so tools and
 *   reviewers can map any file to the Application that syncs it;
 * - `README.md`: the cluster's Applications as a table and the sync waves as a Mermaid graph (GitHub renders it).
 * Pure functions; no I/O.
 */
import { hash } from 'node:crypto';
import { load } from 'js-yaml';
import { ADDON_LABEL, SYNC_WAVE } from '../config/labels.ts';
import { CLUSTER_SECRET_FILE } from '../apps/fleet.ts';
import type { Cluster } from '../config/cluster.ts';

/** What a reviewer wants first about a cluster, from its config (the rest of the README comes from the files). */
export type ClusterSummary = Pick<Cluster, 'name' | 'environment' | 'aws' | 'kubernetesVersion' | 'argocd' | 'dns'>;

export const README_FILE = 'README.md';
export const MANIFEST_FILE = 'manifest.json';
/** Kind recorded for CloudFormation templates (`aws/*.json`), which are not Kubernetes objects. */
export const CLOUDFORMATION_KIND = 'CloudFormationTemplate';

export interface ManifestEntry {
  /** Path relative to `dist/<cluster>/`. */
  readonly path: string;
  /**
   * The Application this file belongs to: an Application file is itself; `addons/<id>/` files belong to the
   * Application labelled `eks-platform/addon: <id>`; other `apps/` files to the root Application that syncs apps/;
   * null for what is applied by hand (bootstrap/ besides the root, aws/).
   */
  readonly application: string | null;
  /** Position in the cluster's sync order: the Application's sync wave (an object's own wave in apps/ and bootstrap/). */
  readonly wave: number | null;
  /** The object's own sync wave inside its Application (add-on files only, when annotated). */
  readonly resourceWave?: number;
  readonly apiVersion: string | null;
  readonly kind: string;
  readonly namespace: string | null;
  readonly name: string;
  /** sha256 of the file's bytes (UTF-8), hex. */
  readonly sha256: string;
}

type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
};

export function sha256(content: string): string {
  // One-shot crypto.hash (Node >= 20.12): no Hash object per file; the same digest as createHash.
  return hash('sha256', content, 'hex');
}

/** True for the files this module writes (they are derived, so the diff and the index skip them). */
export function isReviewFile(path: string): boolean {
  return path === README_FILE || path === MANIFEST_FILE;
}

/** True for a CloudFormation template of the cluster's AWS bootstrap. */
export function isCloudFormationFile(path: string): boolean {
  return path.startsWith('aws/') && path.endsWith('.json');
}

function waveOf(obj: K8sObject | undefined): number | null {
  const raw = obj?.metadata?.annotations?.[SYNC_WAVE];
  if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return null;
  return Number(raw);
}

function parse(path: string, content: string): K8sObject | undefined {
  if (!/\.ya?ml$/.test(path)) return undefined;
  const obj = load(content);
  return typeof obj === 'object' && obj !== null ? (obj as K8sObject) : undefined;
}

type Parsed = ReadonlyMap<string, K8sObject | undefined>;

/** Each rendered file's object (README.md and manifest.json excluded); `known` objects are used instead of parsing. */
function parseAll(files: ReadonlyMap<string, string>, known?: ReadonlyMap<string, object>): Parsed {
  const parsed = new Map<string, K8sObject | undefined>();
  for (const [path, content] of files) if (!isReviewFile(path)) parsed.set(path, (known?.get(path) as K8sObject | undefined) ?? parse(path, content));
  return parsed;
}

/** Indexes a cluster's rendered files (README.md and manifest.json excluded), sorted by path. */
export function indexFiles(files: ReadonlyMap<string, string>, parsed: Parsed = parseAll(files)): ManifestEntry[] {

  // Add-on id → its Application (from apps/), and the root Application (bootstrap/, syncs apps/).
  const byAddon = new Map<string, K8sObject>();
  let root: K8sObject | undefined;
  for (const [path, obj] of parsed) {
    if (obj?.kind !== 'Application') continue;
    const addon = obj.metadata?.labels?.[ADDON_LABEL];
    if (path.startsWith('apps/') && addon) byAddon.set(addon, obj);
    if (path.startsWith('bootstrap/')) root = obj;
  }

  const entries: ManifestEntry[] = [];
  for (const [path, obj] of parsed) {
    const content = files.get(path)!;
    const digest = sha256(content);
    // A CloudFormation template's object may be known (see addReviewFiles), but it is a file, not a Kubernetes object.
    if (!obj || isCloudFormationFile(path)) {
      const cfn = isCloudFormationFile(path);
      entries.push({
        path,
        application: null,
        wave: null,
        apiVersion: null,
        kind: cfn ? CLOUDFORMATION_KIND : 'File',
        namespace: null,
        name: path.replace(/^.*\//, '').replace(/\.[^.]+$/, ''),
        sha256: digest,
      });
      continue;
    }
    let application: string | null = null;
    let wave = waveOf(obj);
    let resourceWave: number | undefined;
    const addonFolder = /^addons\/([^/]+)\//.exec(path);
    if (obj.kind === 'Application') application = obj.metadata?.name ?? null;
    else if (addonFolder) {
      const app = byAddon.get(addonFolder[1]);
      application = app?.metadata?.name ?? null;
      resourceWave = wave ?? undefined;
      wave = waveOf(app);
    } else if (path.startsWith('apps/')) application = root?.metadata?.name ?? null;
    entries.push({
      path,
      application,
      wave,
      ...(resourceWave !== undefined ? { resourceWave } : {}),
      apiVersion: obj.apiVersion ?? null,
      kind: obj.kind ?? 'Unknown',
      namespace: obj.metadata?.namespace ?? null,
      name: obj.metadata?.name ?? '',
      sha256: digest,
    });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function renderManifestJson(cluster: string, entries: readonly ManifestEntry[]): string {
  return `${JSON.stringify({ cluster, generatedBy: 'npm run synth', files: entries }, null, 2)}\n`;
}

interface AppRow {
  readonly wave: number | null;
  readonly kind: string;
  readonly name: string;
  readonly sources: string[];
  readonly namespace: string;
  readonly project: string;
  readonly files: number;
}

type Source = { repoURL?: string; chart?: string; path?: string; targetRevision?: string };

function describeSource(s: Source): string {
  if (s.chart) return `chart \`${s.chart}\` ${s.targetRevision ?? ''} (${s.repoURL})`.replace('  ', ' ');
  if (s.repoURL?.startsWith('oci://')) return `chart \`${s.repoURL}\` ${s.targetRevision ?? ''}`;
  return `path \`${s.path ?? '.'}\``;
}

function sourcesOf(spec: Record<string, unknown> | undefined): Source[] {
  if (!spec) return [];
  if (Array.isArray(spec.sources)) return spec.sources as Source[];
  return spec.source ? [spec.source as Source] : [];
}

function shortSource(s: Source): string {
  if (s.chart) return `${s.chart} ${s.targetRevision ?? ''}`.trim();
  if (s.repoURL?.startsWith('oci://')) return `${s.repoURL.replace(/^.*\//, '')} ${s.targetRevision ?? ''}`.trim();
  return 'manifests';
}

/** Mermaid labels are quoted strings: quotes and angle brackets must be entities. */
function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function mermaidId(prefix: string, wave: number): string {
  return `${prefix}_${wave < 0 ? `m${-wave}` : wave}`;
}

/**
 * How the root Application reaches Argo CD, by mode: in-cluster, `npm run bootstrap -- gitops` applies it; a fleet
 * member's is created by the management Argo CD's ApplicationSet (dist/_fleet/) once the member's cluster Secret
 * (`bootstrap/argocd-cluster-secret.json`) is applied there.
 */
function rootDelivery(summary: ClusterSummary, root: { name: string; path: string }, fleetMember: boolean): string {
  const syncs = `syncs \`${root.path}\`: the AppProjects and one Application per add-on below, in sync-wave order (a wave starts when the previous one is Healthy).`;
  if (fleetMember) {
    return `The management cluster's Argo CD runs this cluster's add-ons. Its ApplicationSet (\`dist/_fleet/\`) creates the root Application \`${root.name}\` (the same as \`bootstrap/\`) once this cluster's Secret, \`${CLUSTER_SECRET_FILE}\`, is applied there; the root Application ${syncs}`;
  }
  if (summary.argocd.mode === 'in-cluster') {
    return `Argo CD runs in this cluster. \`npm run bootstrap -- gitops --cluster ${summary.name}\` installs it and applies the root Application \`${root.name}\` (in \`bootstrap/\`), which ${syncs}`;
  }
  return `Argo CD mode \`${summary.argocd.mode}\`: the root Application \`${root.name}\` (in \`bootstrap/\`) ${syncs}`;
}

/** The cluster's README.md; `cluster` is its name, or with its config summary a header of the facts a reviewer needs. */
export function renderReadme(cluster: string | ClusterSummary, files: ReadonlyMap<string, string>, entries: readonly ManifestEntry[], parsed: Parsed = parseAll(files)): string {
  const summary = typeof cluster === 'string' ? undefined : cluster;
  const name = summary?.name ?? (cluster as string);
  const rows: AppRow[] = [];
  let root: { name: string; path: string } | undefined;
  const fileCount = new Map<string, number>();
  for (const e of entries) if (e.application) fileCount.set(e.application, (fileCount.get(e.application) ?? 0) + 1);
  for (const e of entries) {
    if (e.kind !== 'Application' && e.kind !== 'AppProject') continue;
    const spec = parsed.get(e.path)?.spec ?? {};
    if (e.path.startsWith('bootstrap/')) {
      root = { name: e.name, path: sourcesOf(spec)[0]?.path ?? '' };
      continue;
    }
    const destination = (spec.destination ?? {}) as { namespace?: string };
    rows.push({
      wave: e.wave,
      kind: e.kind,
      name: e.name,
      sources: e.kind === 'Application' ? sourcesOf(spec).map(describeSource) : [],
      namespace: e.kind === 'Application' ? (destination.namespace ?? '') : (e.namespace ?? ''),
      project: e.kind === 'Application' ? String(spec.project ?? '') : '',
      files: fileCount.get(e.name) ?? 0,
    });
  }
  rows.sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0) || a.name.localeCompare(b.name, 'en'));

  const fleetMember = files.has(CLUSTER_SECRET_FILE);
  const lines: string[] = [`# Cluster \`${name}\``, '', '<!-- Rendered by `npm run synth`. Do not edit: change the config and re-run. -->', ''];
  if (summary) {
    const mode = fleetMember ? `${summary.argocd.mode} (fleet member: the management cluster's Argo CD)` : summary.argocd.mode;
    lines.push(
      '| | |',
      '|---|---|',
      `| Environment | ${summary.environment} |`,
      `| AWS account | ${summary.aws.accountId} |`,
      `| Region | ${summary.aws.region} |`,
      `| Kubernetes | ${summary.kubernetesVersion} |`,
      `| Argo CD mode | ${mode} |`,
      `| Domain | ${summary.dns.domain} |`,
      '',
    );
  }
  lines.push(
    root && summary
      ? rootDelivery(summary, root, fleetMember)
      : root
        ? `Argo CD's root Application \`${root.name}\` (in \`bootstrap/\`) syncs \`${root.path}\`: the AppProjects and one Application per add-on below, in sync-wave order (a wave starts when the previous one is Healthy).`
        : 'The Applications below sync in sync-wave order (a wave starts when the previous one is Healthy).',
    '',
    '## Applications',
    '',
    '| Wave | Application | Chart and version, or path | Namespace | Project |',
    '|---:|---|---|---|---|',
  );
  for (const r of rows) {
    const name = r.kind === 'Application' ? `\`${r.name}\`` : `${r.kind} \`${r.name}\``;
    lines.push(`| ${r.wave ?? ''} | ${name} | ${r.sources.join('<br>') || '—'} | ${r.namespace || '—'} | ${r.project || '—'} |`);
  }

  // The sync order: one subgraph per wave, chained left to right.
  const waves = [...new Set(rows.map((r) => r.wave ?? 0))].sort((a, b) => a - b);
  lines.push('', '## Sync order', '', '```mermaid', 'flowchart LR');
  if (root) lines.push(`  root(["${mermaidText(`${root.name} (bootstrap)`)}"])`);
  let n = 0;
  for (const wave of waves) {
    lines.push(`  subgraph ${mermaidId('wave', wave)} [wave ${wave}]`);
    for (const r of rows.filter((x) => (x.wave ?? 0) === wave)) {
      const label = r.kind === 'Application' ? [r.name, ...sourcesOfRow(parsed, entries, r.name)].join('<br/>') : `${r.kind}<br/>${r.name}`;
      lines.push(`    n${n++}["${mermaidText(label).replace(/#lt;br\/#gt;/g, '<br/>')}"]`);
    }
    lines.push('  end');
  }
  const chain = [...(root ? ['root'] : []), ...waves.map((w) => mermaidId('wave', w))];
  if (chain.length > 1) lines.push(`  ${chain.join(' --> ')}`);
  lines.push('```');

  const cfn = entries.filter((e) => e.kind === CLOUDFORMATION_KIND);
  if (cfn.length > 0) {
    lines.push('', '## AWS bootstrap', '');
    for (const e of cfn) lines.push(`- \`${e.path}\`: CloudFormation template (${countResources(files.get(e.path)!, parsed.get(e.path))} resources), deployed by \`npm run bootstrap\`.`);
  }

  lines.push(
    '',
    '## Files',
    '',
    `${entries.length} rendered files. \`manifest.json\` lists each one with its Application, wave, kind, namespace, name and sha256.`,
    '',
    '| Application | Files |',
    '|---|---:|',
  );
  const byApp = new Map<string, number>();
  for (const e of entries) {
    const app = e.application ?? '(not synced: bootstrap and AWS)';
    byApp.set(app, (byApp.get(app) ?? 0) + 1);
  }
  for (const [app, count] of [...byApp.entries()].sort(([a], [b]) => a.localeCompare(b, 'en'))) lines.push(`| ${app} | ${count} |`);
  return `${lines.join('\n')}\n`;
}

function sourcesOfRow(parsed: Parsed, entries: readonly ManifestEntry[], name: string): string[] {
  const e = entries.find((x) => x.kind === 'Application' && x.name === name && x.path.startsWith('apps/'));
  if (!e) return [];
  return sourcesOf(parsed.get(e.path)?.spec).map(shortSource);
}

/** Resources of a CloudFormation template: from its object when known, else parsed from its text. */
function countResources(json: string, known?: object): number | string {
  if (known) return Object.keys((known as { Resources?: object }).Resources ?? {}).length;
  try {
    const t = JSON.parse(json) as { Resources?: Record<string, unknown> };
    return Object.keys(t.Resources ?? {}).length;
  } catch {
    return '?';
  }
}

/**
 * Adds README.md and manifest.json to a cluster's rendered files (computed from the other files). `objects` are
 * the objects the files were serialized from (YAML objects, and the CloudFormation template under its path), when
 * the caller has them, to spare parsing them back.
 */
export function addReviewFiles(cluster: string | ClusterSummary, files: Map<string, string>, objects?: ReadonlyMap<string, object>): void {
  for (const f of [README_FILE, MANIFEST_FILE]) files.delete(f);
  const parsed = parseAll(files, objects);
  const entries = indexFiles(files, parsed);
  const readme = renderReadme(cluster, files, entries, parsed);
  files.set(MANIFEST_FILE, renderManifestJson(typeof cluster === 'string' ? cluster : cluster.name, entries));
  files.set(README_FILE, readme);
}
