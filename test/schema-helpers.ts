/**
 * Schema and Helm-values checks for tests, done by the real validator (src/validate), so a test checks an object
 * exactly as `npm run validate` does: built-in kinds strictly against the pinned Kubernetes definitions, custom
 * resources against their pinned CRD (the served version of the object's apiVersion), Helm values against the
 * pinned chart's values.yaml and values.schema.json. One registry per test file, without a disk cache, so nothing
 * is written into the repository.
 *
 * All of it needs the pinned upstream data; tests that use it (or read that folder directly) skip with
 * `it.skipIf(UPSTREAM_MISSING)(needsUpstream('…'), …)` when it is absent, e.g. in a fresh clone without network.
 */
import { checkSchema } from '../src/validate/engine.ts';
import { ChartRegistry, chartSources, checkChartSource, type ChartSource } from '../src/validate/helm.ts';
import { PINNED_CHARTS } from '../src/validate/pinned.ts';
import { objectRef } from '../src/validate/problems.ts';
import { SchemaRegistry, type CrdInfo } from '../src/validate/schemas.ts';
import { LocalSource, schemaSourceMissing } from '../src/validate/sources.ts';
import type { K8sObject } from '../src/validate/tree.ts';
import { upstreamDir } from '../src/paths.ts';

/** The pinned upstream data (CRDs, Kubernetes schemas, chart copies, PROVENANCE.md), found as the CLI finds it. */
export const UPSTREAM = upstreamDir();

/**
 * Why tests that need the upstream data cannot run (undefined when it is there). The validator's own check, so a
 * test skips exactly when `npm run validate` would ask for a source; .ci/run sets PLATFORM_UPSTREAM, so CI runs them.
 */
export const UPSTREAM_MISSING: string | undefined = schemaSourceMissing(UPSTREAM);

/** A test name with the skip reason appended when the upstream data is missing, so the report says why it was skipped. */
export function needsUpstream(name: string): string {
  return UPSTREAM_MISSING ? `${name} (skipped: ${UPSTREAM_MISSING})` : name;
}

let shared: { registry: SchemaRegistry; charts: ChartRegistry } | undefined;

function registries(): { registry: SchemaRegistry; charts: ChartRegistry } {
  if (!shared) {
    const registry = new SchemaRegistry(new LocalSource(UPSTREAM));
    shared = { registry, charts: new ChartRegistry(registry.source, registry.cache) };
  }
  return shared;
}

/**
 * Schema problems of objects as `Kind/namespace/name: path: message` lines (none when all are valid). Built-ins are
 * checked against `versions` (e.g. ['v1.28.0']); custom resources against their CRD, with metadata as ObjectMeta of
 * the newest of them. @default versions every pinned Kubernetes version
 */
export async function schemaProblems(objects: readonly object[], versions?: readonly string[]): Promise<string[]> {
  const { registry } = registries();
  const selected = versions ?? (await registry.versions());
  const lines: string[] = [];
  for (const object of objects) {
    for (const p of await checkSchema(registry, { file: '(test)', rel: '(test)', object: object as K8sObject }, selected)) lines.push(`${p.object}: ${p.path}: ${p.message}`);
  }
  return lines;
}

/** The pinned CRD that serves a kind (its file, group, scope, name), or undefined. */
export function pinnedCrd(apiVersion: string, kind: string): Promise<CrdInfo | undefined> {
  return registries().registry.crd(apiVersion, kind);
}

async function chartProblems(sources: readonly ChartSource[], prefix: string): Promise<string[]> {
  const lines: string[] = [];
  for (const cs of sources) for (const p of await checkChartSource(cs, registries().charts)) lines.push(`${prefix}${p.path}: ${p.message}`);
  return lines;
}

/** Helm problems of every chart source of an Application (pinned repo and version, schema, unknown keys) as `Application/ns/name: path: message` lines. */
export function applicationHelmProblems(app: Record<string, unknown>): Promise<string[]> {
  return chartProblems(chartSources(app), `${objectRef(app)}: `);
}

/** Helm problems of `values` for a pinned chart at `version`, as `key.path: message` lines (paths from the values' root). */
export async function helmValuesProblems(chart: string, version: string, values: object): Promise<string[]> {
  const pinned = PINNED_CHARTS.find((c) => c.name === chart);
  if (!pinned) throw new Error(`no pinned chart ${chart}; have: ${PINNED_CHARTS.map((c) => c.name).join(', ')}`);
  const repoURL = pinned.repos[0];
  // An OCI reference names the chart itself; an https index needs the chart's name beside it.
  const source = { repoURL, ...(repoURL.startsWith('oci://') ? {} : { chart }), targetRevision: version, helm: { valuesObject: values } };
  const lines = await chartProblems([{ at: [], source }], '');
  return lines.map((l) => l.replace(/^helm\.valuesObject\.?/, ''));
}
