/**
 * The strict schemas of every kind the validator meets, loaded lazily from a SchemaSource: Kubernetes built-ins
 * from the cdk8s `_definitions.json` of each pinned version, custom resources from the pinned CRDs. Nothing is
 * read or compiled until a kind is asked for, and each compiled validator is cached, so a run pays only for the
 * kinds that are actually rendered. With a cache folder, compiled validators are also kept on disk as ajv
 * standalone code, keyed by the SHA-256 of the upstream file they come from, so later runs skip YAML parsing and
 * compiling altogether (the cost that dominates a cold run).
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { DiskCache } from './cache.ts';
import { sha256, type SchemaSource } from './sources.ts';
import { strictify, type JsonSchema } from './strict.ts';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export interface KindSchema {
  /** Where the schema comes from, for messages: `Kubernetes v1.28.0` or `CRD nodepools.karpenter.sh`. */
  readonly label: string;
  readonly validate: ValidateFunction;
  /** The strict schema, self-contained (its refs point into its own `definitions`), for kubeconform. */
  standalone(): Promise<JsonSchema>;
}

/** Field names the schema allows at a JSON pointer into an instance (for "unknown field" messages). */
export function allowedFields(schema: JsonSchema, pointer: string): string[] {
  const defs = (schema.definitions ?? {}) as Record<string, JsonSchema>;
  const deref = (n: JsonSchema | undefined): JsonSchema | undefined => {
    let node = n;
    for (let i = 0; i < 20 && node && typeof node.$ref === 'string'; i++) node = defs[node.$ref.replace('#/definitions/', '')];
    return node;
  };
  let node = deref(schema);
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const seg of segments) {
    if (!node) break;
    const props = node.properties as Record<string, JsonSchema> | undefined;
    if (/^\d+$/.test(seg) && node.items && !props?.[seg]) node = deref(node.items as JsonSchema);
    else if (props?.[seg]) node = deref(props[seg]);
    else node = typeof node.additionalProperties === 'object' ? deref(node.additionalProperties as JsonSchema) : undefined;
  }
  return Object.keys((node?.properties ?? {}) as object);
}

export interface CrdInfo {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
  readonly scope: 'Cluster' | 'Namespaced';
  /** The CRD's metadata.name, e.g. `nodepools.karpenter.sh`. */
  readonly name: string;
}

interface Definitions {
  readonly id: string;
  readonly defs: Record<string, JsonSchema>;
  /** `group/version/kind` → definition name. */
  readonly byGvk: Map<string, string>;
}

export type Lookup = { readonly schema: KindSchema } | { readonly error: string };

/** A new ajv with the validator's options (loads ajv: only for compiling). */
export async function newAjv(source = false): Promise<Ajv> {
  const { Ajv } = await import('ajv');
  // strict: false because Kubernetes schemas carry vendor keywords. Not verbose: that embeds the whole schema in
  // the generated code and triples its size; messages take bad values from the object and allowed fields from
  // allowedFields(). No code optimisation: it costs more compile time than it saves on a few hundred objects.
  // Refs are never inlined, so a definition used in many places is generated once (the code's size is load time).
  return new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false, inlineRefs: false, code: { optimize: false, source } });
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Every definition reachable from `root` through `$ref`s into `defs`, with refs rewritten to `#/definitions/…`. */
function closure(root: unknown, defs: Record<string, JsonSchema>, prefix: string): JsonSchema {
  const out: Record<string, unknown> = {};
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      // Refs from the root use `prefix`; refs inside the definitions themselves are local to their document.
      const local = '#/definitions/';
      if (k === '$ref' && typeof v === 'string' && (v.startsWith(prefix) || v.startsWith(local))) {
        const name = v.slice(v.startsWith(prefix) ? prefix.length : local.length);
        copy[k] = `#/definitions/${name}`;
        if (!(name in out)) {
          out[name] = {};
          out[name] = rewrite(defs[name]);
        }
      } else copy[k] = rewrite(v);
    }
    return copy;
  };
  const schema = rewrite(root) as JsonSchema;
  return Object.keys(out).length > 0 ? { ...schema, definitions: out } : schema;
}

/**
 * The schema with every subschema that occurs more than once (and is not tiny) moved into `definitions` and
 * referenced. CRDs have no refs: Argo CD's ApplicationSet repeats its generator schemas dozens of times, which made
 * a 9 MB validator that cost more to load than everything else in a run. Validation is unchanged.
 */
export function hoistRepeated(schema: JsonSchema, minLength = 400): JsonSchema {
  // Only subschemas are shared: the values of `properties` and the like are, the maps holding them are not.
  const MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
  const DATA = new Set(['enum', 'const', 'required', 'default', 'examples']);
  const text = new Map<object, string>();
  const count = new Map<string, number>();
  const measure = (node: unknown, isSchema: boolean): string => {
    if (!node || typeof node !== 'object') return JSON.stringify(node) ?? 'null';
    const t = Array.isArray(node)
      ? `[${node.map((n) => measure(n, isSchema)).join(',')}]`
      : `{${Object.entries(node).map(([k, v]) => `${JSON.stringify(k)}:${isSchema && DATA.has(k) ? JSON.stringify(v) : measure(v, isSchema ? !MAPS.has(k) : true)}`).join(',')}}`;
    if (isSchema && !Array.isArray(node)) {
      text.set(node, t);
      if (t.length >= minLength) count.set(t, (count.get(t) ?? 0) + 1);
    }
    return t;
  };
  measure(schema, true);
  const names = new Map<string, string>();
  const definitions: Record<string, unknown> = {};
  const rewrite = (node: unknown, isSchema: boolean, top = false): unknown => {
    if (!node || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((n) => rewrite(n, isSchema));
    const t = text.get(node);
    if (isSchema && !top && t !== undefined && (count.get(t) ?? 0) > 1) {
      let name = names.get(t);
      if (!name) {
        name = `_shared${names.size}`;
        names.set(t, name);
        definitions[name] = rewrite(node, true, true);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isSchema && DATA.has(k) ? v : rewrite(v, isSchema ? !MAPS.has(k) : true)]));
  };
  const out = rewrite(schema, true, true) as JsonSchema;
  return names.size > 0 ? { ...out, definitions: { ...((out.definitions as object) ?? {}), ...definitions } } : out;
}

export interface RegistryOptions {
  /** Folder for compiled validators (e.g. `.cache/validate`); none means compile every run. @default no disk cache */
  readonly cacheDir?: string;
  /** An existing cache to share (wins over cacheDir). @default a cache in cacheDir */
  readonly cache?: DiskCache;
}

export class SchemaRegistry {
  readonly cache: DiskCache;
  private ajvInstance?: Promise<Ajv>;
  /** Definitions documents already added to the ajv instance, by id. */
  private readonly added = new Set<string>();
  private readonly hashes = new Map<string, Promise<string | undefined>>();
  private readonly definitions = new Map<string, Promise<Definitions>>();
  private readonly compiled = new Map<string, Promise<Lookup>>();
  private crdIndex?: Promise<Map<string, CrdInfo>>;
  private readonly crdDocs = new Map<string, Promise<JsonSchema>>();
  private versionList?: Promise<string[]>;
  /** Milliseconds spent loading and compiling, for the summary. */
  loadMs = 0;

  constructor(
    readonly source: SchemaSource,
    options: RegistryOptions = {},
  ) {
    this.cache = options.cache ?? new DiskCache(options.cacheDir);
  }

  /** The ajv instance, with the definitions of `d` added: created on the first compile only. */
  private async compiler(d?: Definitions): Promise<Ajv> {
    this.ajvInstance ??= newAjv(this.cache.enabled);
    const ajv = await this.ajvInstance;
    if (d && !this.added.has(d.id)) {
      ajv.addSchema({ $id: d.id, definitions: d.defs });
      this.added.add(d.id);
    }
    return ajv;
  }

  /** SHA-256 of an upstream file (the cache key of everything compiled from it). */
  hash(path: string): Promise<string | undefined> {
    let p = this.hashes.get(path);
    if (!p) {
      const compute = () => this.source.read(path).then((t) => (t === undefined ? undefined : sha256(t)));
      // Reading and hashing megabytes of upstream data was a fifth of a warm run; a local file's SHA-256 is
      // remembered under its path, size and mtime, so an edited file still gets a new key.
      const fingerprint = this.source.fingerprint?.(path);
      p = fingerprint ? this.cache.json(['sha256', this.source.description, path, fingerprint], compute) : compute();
      this.hashes.set(path, p);
    }
    return p;
  }


  /** Pinned Kubernetes schema versions, e.g. ['v1.28.0', 'v1.36.0'], oldest first. */
  versions(): Promise<string[]> {
    this.versionList ??= this.source.list('kubernetes-schemas').then((files) =>
      files
        .map((f) => /^kubernetes-schemas\/(v\d+\.\d+\.\d+)\/_definitions\.json$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .sort((a, b) => compareVersions(a, b)),
    );
    return this.versionList;
  }

  private loadDefinitions(version: string): Promise<Definitions> {
    let p = this.definitions.get(version);
    if (!p) {
      p = this.timed(async () => {
        const text = await this.source.read(`kubernetes-schemas/${version}/_definitions.json`);
        if (text === undefined) throw new Error(`${this.source.description} has no kubernetes-schemas/${version}/_definitions.json`);
        const raw = (JSON.parse(text) as { definitions: Record<string, JsonSchema> }).definitions;
        const byGvk = new Map<string, string>();
        for (const [name, def] of Object.entries(raw)) {
          const gvks = def['x-kubernetes-group-version-kind'] as Array<{ group: string; version: string; kind: string }> | undefined;
          // Definitions listed under many kinds (DeleteOptions, WatchEvent) are API plumbing, not objects to apply.
          if (gvks?.length === 1) byGvk.set(`${gvks[0].group}/${gvks[0].version}/${gvks[0].kind}`, name);
        }
        const defs = strictify(raw) as Record<string, JsonSchema>;
        // dist/ holds desired state: a top-level `status` is an error, and leaving it out halves compile time.
        for (const name of byGvk.values()) {
          const { status: _status, ...properties } = (defs[name].properties ?? {}) as JsonSchema;
          defs[name] = { ...defs[name], properties };
        }
        return { id: `k8s-${version}`, defs, byGvk };
      });
      this.definitions.set(version, p);
    }
    return p;
  }

  /** A built-in kind's schema in one pinned Kubernetes version, or why there is none. */
  builtin(version: string, apiVersion: string, kind: string): Promise<Lookup> {
    const key = `${version} ${apiVersion} ${kind}`;
    let p = this.compiled.get(key);
    if (!p) {
      p = (async () => {
        const defsFile = `kubernetes-schemas/${version}/_definitions.json`;
        const key = ['builtin', await this.hash(defsFile), apiVersion, kind];
        if (!this.cache.has(key)) {
          const d = await this.loadDefinitions(version);
          const { group, version: v } = splitApiVersion(apiVersion);
          if (!d.byGvk.has(`${group}/${v}/${kind}`)) return { error: `Kubernetes has no ${kind} in ${apiVersion} (Kubernetes ${version})` };
        }
        const nameOf = async () => {
          const d = await this.loadDefinitions(version);
          const { group, version: v } = splitApiVersion(apiVersion);
          return { d, name: d.byGvk.get(`${group}/${v}/${kind}`)! };
        };
        const validate = await this.cache.validator(key, async () => {
          const { d, name } = await nameOf();
          const ajv = await this.compiler(d);
          return this.timed(async () => ({ ajv, validate: ajv.compile({ $ref: `${d.id}#/definitions/${name}` }) }));
        });
        return {
          schema: {
            label: `Kubernetes ${version}`,
            validate,
            standalone: async () => {
              const { d, name } = await nameOf();
              return closure(d.defs[name], d.defs, '#/definitions/');
            },
          },
        };
      })();
      this.compiled.set(key, p);
    }
    return p;
  }

  /** A named definition (e.g. `io.k8s.api.core.v1.SecurityContext`) in one pinned Kubernetes version, or why there is none. */
  definition(version: string, name: string): Promise<Lookup> {
    const key = `${version} definition ${name}`;
    let p = this.compiled.get(key);
    if (!p) {
      p = (async (): Promise<Lookup> => {
        const defsFile = `kubernetes-schemas/${version}/_definitions.json`;
        const parts = ['definition', await this.hash(defsFile), name];
        if (!this.cache.has(parts) && !(name in (await this.loadDefinitions(version)).defs)) return { error: `Kubernetes ${version} has no definition ${name}` };
        const validate = await this.cache.validator(parts, async () => {
          const d = await this.loadDefinitions(version);
          const ajv = await this.compiler(d);
          return this.timed(async () => ({ ajv, validate: ajv.compile({ $ref: `${d.id}#/definitions/${name}` }) }));
        });
        const standalone = async () => {
          const d = await this.loadDefinitions(version);
          return closure(d.defs[name], d.defs, '#/definitions/');
        };
        return { schema: { label: `Kubernetes ${version}`, validate, standalone } };
      })();
      this.compiled.set(key, p);
    }
    return p;
  }

  /** CRDs in the source by `group/kind`, from a text scan of their headers (no YAML parsing). */
  crds(): Promise<Map<string, CrdInfo>> {
    this.crdIndex ??= this.timed(async () => {
      const files = (await this.source.list('crds')).filter((f) => /\.ya?ml$/.test(f));
      const scan = async () => {
        const infos: CrdInfo[] = [];
        for (const file of files) {
          const text = (await this.source.read(file)) ?? '';
          const group = /^ {2}group: *['"]?([^'"\s]+)/m.exec(text)?.[1];
          const kind = /^ {4}kind: *['"]?([^'"\s]+)/m.exec(text)?.[1];
          const scope = /^ {2}scope: *['"]?(Cluster|Namespaced)/m.exec(text)?.[1] as CrdInfo['scope'] | undefined;
          const name = /^ {2}name: *['"]?([^'"\s]+)/m.exec(text)?.[1] ?? file;
          if (group && kind && scope) infos.push({ file, group, kind, scope, name });
        }
        return infos;
      };
      // Reading megabytes of CRDs for their headers is skipped when no local CRD file changed (size and mtime).
      const fingerprints = files.map((f) => this.source.fingerprint?.(f));
      const infos = fingerprints.every((f) => f !== undefined)
        ? await this.cache.json(['crd-index', this.source.description, ...files.map((f, i) => `${f} ${fingerprints[i]}`)], scan)
        : await scan();
      return new Map(infos.map((i) => [`${i.group}/${i.kind}`, i]));
    });
    return this.crdIndex;
  }

  async crd(apiVersion: string, kind: string): Promise<CrdInfo | undefined> {
    return (await this.crds()).get(`${splitApiVersion(apiVersion).group}/${kind}`);
  }

  /** A custom resource's schema from its pinned CRD; `metadataVersion` picks the ObjectMeta definition. */
  custom(apiVersion: string, kind: string, metadataVersion: string): Promise<Lookup> {
    const key = `crd ${apiVersion} ${kind} ${metadataVersion}`;
    let p = this.compiled.get(key);
    if (!p) {
      p = (async (): Promise<Lookup> => {
        const info = await this.crd(apiVersion, kind);
        const { group, version } = splitApiVersion(apiVersion);
        if (!info) return { error: `no pinned CRD defines ${kind} in group ${group || '(core)'}` };
        const key = ['crd', await this.hash(info.file), await this.hash(`kubernetes-schemas/${metadataVersion}/_definitions.json`), apiVersion, kind, metadataVersion];
        const build = () => this.customSchema(info, version, metadataVersion);
        if (!this.cache.has(key)) {
          const built = await build();
          if ('error' in built) return built;
        }
        const validate = await this.cache.validator(key, async () => {
          const built = await build();
          if ('error' in built) throw new Error(built.error);
          const ajv = await this.compiler(await this.loadDefinitions(metadataVersion));
          return this.timed(async () => ({ ajv, validate: ajv.compile(hoistRepeated(built.schema)) }));
        });
        const standalone = async () => {
          const built = await build();
          if ('error' in built) throw new Error(built.error);
          return built.standalone;
        };
        return { schema: { label: `CRD ${info.name}`, validate, standalone } };
      })();
      this.compiled.set(key, p);
    }
    return p;
  }

  private readonly customSchemas = new Map<string, Promise<{ schema: JsonSchema; standalone: JsonSchema } | { error: string }>>();

  /** The strict schema of one served version of a CRD, with metadata checked as ObjectMeta. */
  private customSchema(info: CrdInfo, version: string, metadataVersion: string): Promise<{ schema: JsonSchema; standalone: JsonSchema } | { error: string }> {
    const key = `${info.file} ${version} ${metadataVersion}`;
    let p = this.customSchemas.get(key);
    if (!p) {
      p = (async () => {
        const { group, kind } = info;
        const crd = await this.crdDoc(info.file);
        const versions = ((crd.spec as JsonSchema).versions ?? []) as Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema } }>;
        const entry = versions.find((v) => v.name === version);
        const served = versions.filter((v) => v.served !== false).map((v) => `${group}/${v.name}`);
        if (!entry || entry.served === false || !entry.schema?.openAPIV3Schema) {
          return { error: `${kind} ${group}/${version} is not served by the pinned CRD ${info.file}; allowed: ${served.join(', ')}` };
        }
        const d = await this.loadDefinitions(metadataVersion);
        const strict = strictify(entry.schema.openAPIV3Schema, { crd: true }) as JsonSchema;
        const { status: _status, ...rest } = strict.properties as JsonSchema;
        const properties = { ...rest, metadata: { $ref: `${d.id}#/definitions/${OBJECT_META}` } };
        const schema = { ...strict, properties };
        return { schema, standalone: closure(schema, d.defs, `${d.id}#/definitions/`) };
      })();
      this.customSchemas.set(key, p);
    }
    return p;
  }

  private crdDoc(file: string): Promise<JsonSchema> {
    let p = this.crdDocs.get(file);
    if (!p) {
      p = this.timed(async () => load((await this.source.read(file)) ?? '') as JsonSchema);
      this.crdDocs.set(file, p);
    }
    return p;
  }

  private async timed<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.loadMs += performance.now() - start;
    }
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Which pinned schema versions check a cluster: the newest at or below its version and the oldest at or above it
 * (one when it matches exactly). A field or kind present in both existed at the older and still exists at the newer,
 * so under Kubernetes' deprecation policy it is served at the cluster's version too. Without a cluster version: all.
 */
export function versionsFor(clusterVersion: string | undefined, pinned: readonly string[]): string[] {
  if (!clusterVersion) return [...pinned];
  const floor = [...pinned].reverse().find((v) => compareVersions(v, clusterVersion) <= 0);
  const ceiling = pinned.find((v) => compareVersions(v, clusterVersion) >= 0);
  return [...new Set([floor, ceiling].filter((v): v is string => v !== undefined))];
}

export type { ErrorObject };
