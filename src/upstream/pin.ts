/**
 * `upstream pin <chart> <version>`: adds a chart version's upstream data to the project, so `validate` can check an
 * `addons.<id>.version` override (or a Renovate bump) against that exact version. It reads the Helm repository URL
 * from the add-on definition, downloads the repository's `index.yaml`, finds the version, downloads the `.tgz`
 * (checked against the index's `digest` when there is one), and extracts `Chart.yaml`, `values.yaml`,
 * `values.schema.json` and, for add-ons that install CRDs, `crds/` into `upstream/charts/<chart>/<version>/`.
 * The table `upstream/pinned.json` records the URL and SHA-256 of the archive and of every file written.
 * Helm repository layout: https://helm.sh/docs/topics/chart_repository/ (index.yaml `entries.<chart>[].urls`, `digest`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { x as extract } from 'tar';
import type { AddonDefinition, HelmChartRef } from '../../charts/addon.ts';
import { CRD } from '../../charts/common.ts';
import { show } from '../../config/schema.ts';
import { isMap } from '../../config/merge.ts';
import { PINNED_TABLE, UPSTREAM_FOLDER } from '../validate/pinned.ts';
import { ChainSource, LocalSource, type SchemaSource } from '../validate/sources.ts';

/** Thrown for anything the user can fix (unknown chart or version, unreachable repository); the message says how. */
export class PinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

/** One pinned chart version in `upstream/pinned.json`. */
export interface PinnedVersion {
  readonly chart: string;
  readonly version: string;
  /** The Helm repository (from the add-on definition). */
  readonly repoURL: string;
  /** The archive downloaded, and its SHA-256 (hex). */
  readonly url: string;
  readonly sha256: string;
  /** Path under `upstream/` → SHA-256 of each file written. */
  readonly files: Readonly<Record<string, string>>;
}

export interface PinOptions {
  readonly chart: string;
  readonly version: string;
  /** The repository root; data goes to `<projectDir>/upstream/`. */
  readonly projectDir: string;
  /** Add-ons whose charts can be pinned (the registry). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
  readonly addons: readonly AddonDefinition<any>[];
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
/** Chart versions are file names here: the same exact-version rule as `addons.<id>.version`. */
const VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The project's pinned data first, then `fallback` (the shared upstream folder or URLs): what `validate` reads. */
export function projectSource(projectDir: string, fallback: SchemaSource): SchemaSource {
  const dir = join(projectDir, UPSTREAM_FOLDER);
  return existsSync(dir) ? new ChainSource([new LocalSource(dir), fallback]) : fallback;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each add-on has its own settings type
function findChart(addons: readonly AddonDefinition<any>[], name: string): { ref: HelmChartRef; withCrds: boolean } {
  for (const addon of addons) {
    for (const ref of [addon.chart, addon.crdChart]) {
      if (ref && (ref.chart || ref.repoURL.split('/').pop()) === name) {
        return { ref, withCrds: ref === addon.crdChart || (addon.chartClusterKinds ?? []).some((k) => k.group === CRD.group && k.kind === CRD.kind) };
      }
    }
  }
  const names = addons.flatMap((a) => [a.chart, a.crdChart]).filter((r): r is NonNullable<typeof r> => !!r).map((r) => r.chart || r.repoURL.split('/').pop()!);
  throw new PinError(`no add-on uses chart ${show(name)}; allowed: ${names.join(', ')}`);
}

async function download(fetcher: typeof globalThis.fetch, url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetcher(url);
  } catch (err) {
    throw new PinError(`cannot download ${url} (${(err as Error).message}); allowed: a reachable Helm repository (check the network or proxy)`);
  }
  if (!res.ok) throw new PinError(`cannot download ${url} (HTTP ${res.status}); allowed: a URL the repository serves`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Files of a folder, recursively, as `/`-separated paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => p.split('\\').join('/'))
    .sort();
}

/** Reads `upstream/pinned.json` (an empty table when absent). */
export function readPinnedTable(projectDir: string): PinnedVersion[] {
  const path = join(projectDir, UPSTREAM_FOLDER, PINNED_TABLE);
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { charts?: PinnedVersion[] };
  return parsed.charts ?? [];
}

/**
 * Pins one chart version (see the module comment). Idempotent: pinning the same version again rewrites the same
 * files and row. @throws PinError for an unknown chart, an OCI-only chart, a version the index lacks, a download
 * failure or a digest mismatch; nothing is written then.
 */
export async function pinChart(options: PinOptions): Promise<PinnedVersion> {
  const { chart, version } = options;
  if (!VERSION.test(version)) throw new PinError(`got version ${show(version)}; allowed: an exact chart version such as "3.13.2"`);
  const { ref, withCrds } = findChart(options.addons, chart);
  if (!/^https?:\/\//.test(ref.repoURL)) {
    throw new PinError(`chart ${chart} comes from ${ref.repoURL}; allowed: a chart from an https:// Helm repository (OCI registries are not supported by pin yet: add the files by hand under ${UPSTREAM_FOLDER}/charts/${chart}/${version}/)`);
  }
  const fetcher = options.fetch ?? globalThis.fetch;
  const base = ref.repoURL.replace(/\/+$/, '');
  const indexUrl = `${base}/index.yaml`;
  const index = load(new TextDecoder().decode(await download(fetcher, indexUrl))) as unknown;
  const entries = isMap(index) && isMap(index.entries) && Array.isArray(index.entries[chart]) ? (index.entries[chart] as unknown[]) : [];
  const entry = entries.find((e): e is Record<string, unknown> => isMap(e) && e.version === version);
  if (!entry) {
    const known = entries.filter(isMap).map((e) => String(e.version)).slice(0, 10);
    throw new PinError(`${indexUrl} has no version ${show(version)} of chart ${chart}; allowed: ${known.join(', ') || 'none listed'}${entries.length > 10 ? ', …' : ''}`);
  }
  const first = Array.isArray(entry.urls) ? entry.urls[0] : undefined;
  if (typeof first !== 'string') throw new PinError(`${indexUrl}: entries.${chart} version ${version} has no urls; allowed: a repository index with chart URLs`);
  const url = new URL(first, `${base}/`).toString();
  const archive = await download(fetcher, url);
  const digest = sha256(archive);
  if (typeof entry.digest === 'string' && entry.digest !== digest) {
    throw new PinError(`${url}: SHA-256 ${digest} differs from the index's digest ${entry.digest}; allowed: the archive the index describes`);
  }

  const work = mkdtempSync(join(tmpdir(), 'upstream-pin-'));
  try {
    const tgz = join(work, 'chart.tgz');
    writeFileSync(tgz, archive);
    const wanted = (p: string) => {
      const inChart = p.split('/').slice(1).join('/');
      return ['Chart.yaml', 'values.yaml', 'values.schema.json'].includes(inChart) || (withCrds && /^crds\/[^/]+\.ya?ml$/.test(inChart));
    };
    const out = join(work, 'out');
    mkdirSync(out);
    // Only the chart's own top-level files (not its subcharts'), without absolute paths or `..` (tar's defaults).
    await extract({ file: tgz, cwd: out, strip: 1, filter: (p) => wanted(p.replace(/^\.\//, '')) });
    if (!existsSync(join(out, 'Chart.yaml')) || !existsSync(join(out, 'values.yaml'))) {
      throw new PinError(`${url} has no ${chart}/Chart.yaml and ${chart}/values.yaml; allowed: a Helm chart archive`);
    }
    const chartYaml = load(readFileSync(join(out, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    if (chartYaml?.name !== chart || String(chartYaml?.version) !== version) {
      throw new PinError(`${url} holds chart ${show(chartYaml?.name)} ${show(chartYaml?.version)}; allowed: ${chart} ${version}`);
    }

    const rel = `charts/${chart}/${version}`;
    const dest = join(options.projectDir, UPSTREAM_FOLDER, rel);
    rmSync(dest, { recursive: true, force: true });
    const files: Record<string, string> = {};
    for (const p of filesUnder(out)) {
      const data = readFileSync(join(out, p));
      mkdirSync(join(dest, p, '..'), { recursive: true });
      writeFileSync(join(dest, p), data);
      files[`${rel}/${p}`] = sha256(data);
    }
    const row: PinnedVersion = { chart, version, repoURL: ref.repoURL, url, sha256: digest, files };
    const table = [...readPinnedTable(options.projectDir).filter((r) => r.chart !== chart || r.version !== version), row].sort((a, b) =>
      a.chart === b.chart ? a.version.localeCompare(b.version, 'en', { numeric: true }) : a.chart.localeCompare(b.chart),
    );
    writeFileSync(join(options.projectDir, UPSTREAM_FOLDER, PINNED_TABLE), `${JSON.stringify({ charts: table }, null, 2)}\n`);
    return row;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** For messages: where a pin was written, relative to the project. */
export function pinnedFolder(projectDir: string, row: PinnedVersion): string {
  return relative(process.cwd(), join(projectDir, UPSTREAM_FOLDER, 'charts', row.chart, row.version)) || '.';
}
