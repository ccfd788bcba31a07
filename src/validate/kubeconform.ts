/**
 * The kubeconform engine: writes the same strict schemas the built-in engine uses in kubeconform's layout, then
 * runs kubeconform (through bin/kubeconform.js) over each cluster's YAML files with `-strict -summary`.
 * - built-ins: `<dir>/v1.28.0-standalone-strict/deployment-apps-v1.json` (kubeconform's default template:
 *   `{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`);
 * - custom resources: `<dir>/crds/karpenter.sh/nodepool_v1.json` (`{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
 *   the CRDs-catalog layout, so groups sharing a first label never collide).
 * Only kinds present in the tree are written; each file is self-contained (`definitions` inside).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { clusterVersions } from './engine.ts';
import { splitApiVersion, type SchemaRegistry } from './schemas.ts';
import type { ClusterTree } from './tree.ts';
import { isCustomResource } from '../kinds.ts';

export const BUILTIN_LOCATION = '{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';
export const CRD_LOCATION = 'crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

/** kubeconform's file name for a built-in kind (see its registry.schemaPath). */
export function builtinFile(version: string, apiVersion: string, kind: string): string {
  const [groupPart, versionPart] = apiVersion.includes('/') ? apiVersion.split('/') : [apiVersion, undefined];
  const suffix = `-${groupPart.split('.')[0].toLowerCase()}${versionPart ? `-${versionPart.toLowerCase()}` : ''}`;
  return `${version}-standalone-strict/${kind.toLowerCase()}${suffix}.json`;
}

export function crdFile(apiVersion: string, kind: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return `crds/${group}/${kind.toLowerCase()}_${version}.json`;
}

export interface KubeconformRun {
  /** Pinned Kubernetes version, e.g. `v1.28.0`. */
  readonly version: string;
  readonly args: string[];
}

/** Writes the schemas of every kind in `trees` under `dir` and returns one kubeconform invocation per version. */
export async function writeKubeconformSchemas(trees: readonly ClusterTree[], registry: SchemaRegistry, dir: string, override?: string): Promise<KubeconformRun[]> {
  const written = new Set<string>();
  const write = async (rel: string, schema: () => Promise<Record<string, unknown>>) => {
    if (written.has(rel)) return;
    written.add(rel);
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...(await schema()) })}\n`);
  };
  const filesByVersion = new Map<string, string[]>();
  for (const tree of trees) {
    const versions = await clusterVersions(registry, tree, override);
    for (const { object: o } of tree.objects) {
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') continue;
      const apiVersion = o.apiVersion;
      const kind = o.kind;
      if ((await registry.crd(apiVersion, kind)) || isCustomResource(apiVersion)) {
        const lookup = await registry.custom(apiVersion, kind, versions[versions.length - 1]);
        if ('schema' in lookup) await write(crdFile(apiVersion, kind), () => lookup.schema.standalone());
      } else {
        for (const v of versions) {
          const lookup = await registry.builtin(v, apiVersion, kind);
          if ('schema' in lookup) await write(builtinFile(v, apiVersion, kind), () => lookup.schema.standalone());
        }
      }
    }
    for (const v of versions) {
      const files = filesByVersion.get(v) ?? [];
      files.push(...new Set(tree.objects.map((r) => r.file)));
      filesByVersion.set(v, files);
    }
  }
  return [...filesByVersion.entries()].map(([version, files]) => ({
    version,
    args: [
      '-strict',
      '-summary',
      '-kubernetes-version',
      version.replace(/^v/, ''),
      '-schema-location',
      join(dir, BUILTIN_LOCATION),
      '-schema-location',
      join(dir, CRD_LOCATION),
      ...[...new Set(files)].sort(),
    ],
  }));
}

/** Runs bin/kubeconform.js with the arguments; output goes to this process's stdout/stderr. Returns the exit code. */
export function runKubeconform(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const res = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env });
  return res.status ?? 1;
}
