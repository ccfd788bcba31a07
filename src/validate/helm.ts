/**
 * Helm values of every chart source of an Application, checked against the pinned chart version:
 * - the chart is one of the pinned charts, from one of its published repositories, at exactly its pinned version;
 * - the values merged over the chart's defaults (as Helm does) satisfy its `values.schema.json`, when it has one;
 * - every key exists in the chart's default `values.yaml` (or in its schema, or as a commented-out key at that
 *   place), except below keys whose values are free-form (defaults `{}` or null, annotations, labels, nodeSelector,
 *   args, env, tolerations, extra*, and maps the chart passes verbatim into a ConfigMap: PinnedChart.passThrough);
 * - Kubernetes-typed blocks the chart passes into its pod specs (securityContext, resources, probes, affinity,
 *   topologySpreadConstraints) match the built-in definition, strictly, in the cluster's Kubernetes versions.
 * Helm itself ignores unknown keys silently, so this is the only place a typo shows up.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { didYouMean, show } from '../../config/schema.ts';
import { isMap } from '../../config/merge.ts';
import { DiskCache } from './cache.ts';
import { dataVersion, PINNED_CHARTS, PINNED_TABLE, UPSTREAM_FOLDER, type PinnedChart } from './pinned.ts';
import { formatPath, fromAjv } from './problems.ts';
import { allowedFields, SchemaRegistry, type Lookup } from './schemas.ts';
import { sha256, type SchemaSource } from './sources.ts';

type Map_ = Record<string, unknown>;

/** Keys whose values are free-form maps or lists (whole key names; `podLabels`, `serviceAnnotations` and the like too). */
const FREE_FORM = /^(?:[a-z]*annotations|[a-z]*labels|nodeselector|args|env|envfrom|tolerations|extra[a-z0-9]*)$/i;

const CORE = 'io.k8s.api.core.v1.';

/**
 * Keys whose values are Kubernetes-typed blocks, with the definitions they may match (any one of them). A chart's
 * plain `securityContext` is the pod's in some charts and the container's in others, so either is accepted.
 */
const TYPED: ReadonlyArray<{ readonly key: RegExp; readonly defs: readonly string[]; readonly list?: boolean }> = [
  { key: /^podSecurityContext$/i, defs: ['PodSecurityContext'] },
  { key: /^[a-z]*containerSecurityContext$/i, defs: ['SecurityContext'] },
  { key: /^securityContext$/i, defs: ['SecurityContext', 'PodSecurityContext'] },
  { key: /^resources$/i, defs: ['ResourceRequirements'] },
  { key: /^(?:liveness|readiness|startup)Probe$/i, defs: ['Probe'] },
  { key: /^affinity$/i, defs: ['Affinity'] },
  { key: /^topologySpreadConstraints$/i, defs: ['TopologySpreadConstraint'], list: true },
];

/** A Kubernetes-typed block found in the values, checked against its definitions after the walk. */
interface TypedBlock {
  readonly path: ReadonlyArray<string | number>;
  readonly value: unknown;
  readonly defs: readonly string[];
  /** Keys the chart itself defines in this block (e.g. `enabled` of a chart's probe settings): walked, not typed. */
  readonly chartKeys: ReadonlySet<string>;
}

export interface ChartSource {
  /** Path segments of the source in the Application, e.g. ['spec', 'sources', 0]. */
  readonly at: ReadonlyArray<string | number>;
  readonly source: Map_;
}

/** Chart sources of an Application (`spec.source` or `spec.sources[i]`) with a chart, or an OCI chart repoURL. */
export function chartSources(app: Map_): ChartSource[] {
  const spec = isMap(app.spec) ? app.spec : {};
  const all: ChartSource[] = [];
  if (isMap(spec.source)) all.push({ at: ['spec', 'source'], source: spec.source });
  if (Array.isArray(spec.sources)) spec.sources.forEach((s, i) => isMap(s) && all.push({ at: ['spec', 'sources', i], source: s }));
  return all.filter(({ source }) => isChartSource(source));
}

export function isChartSource(source: Map_): boolean {
  return typeof source.chart === 'string' || (typeof source.repoURL === 'string' && source.repoURL.startsWith('oci://'));
}

/** The chart's name and full reference: an https repo index URL, or `oci://…/<chart>`. */
export function chartIdentity(source: Map_): { name: string; repo: string } {
  const repoURL = String(source.repoURL ?? '').replace(/\/+$/, '');
  const chart = typeof source.chart === 'string' && source.chart !== '' ? source.chart : undefined;
  if (/^https?:\/\//.test(repoURL)) return { name: chart ?? '', repo: repoURL };
  // OCI: Argo CD's native form names the chart in repoURL; the classic form gives registry path + chart.
  const base = repoURL.replace(/^oci:\/\//, '');
  const full = chart ? `${base}/${chart}` : base;
  return { name: full.split('/').pop() ?? '', repo: `oci://${full}` };
}

interface ChartData {
  readonly pinned: PinnedChart;
  /** The chart version the data belongs to (from the pinned Chart.yaml). */
  readonly version: string;
  readonly defaults: Map_;
  readonly schema?: ValidateFunction;
  readonly schemaRoot?: Map_;
  /** `a.b.c` paths of keys that appear commented out in values.yaml at that place. */
  readonly commented: ReadonlySet<string>;
}

/** Keys the values.yaml documents in comments, by their place (the nearest uncommented parent key). */
export function commentedKeys(text: string): Set<string> {
  const out = new Set<string>();
  const stack: Array<{ indent: number; key: string }> = [];
  const parentAt = (indent: number) => stack.filter((s) => s.indent < indent).map((s) => s.key);
  for (const line of text.split('\n')) {
    const key = /^(\s*)([A-Za-z_][\w.-]*|"[^"]+"):(\s|$)/.exec(line);
    if (key) {
      const indent = key[1].length;
      while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
      stack.push({ indent, key: key[2].replace(/"/g, '') });
      continue;
    }
    const comment = /^(\s*)#+\s*([A-Za-z_][\w.-]*):(\s|$)/.exec(line);
    if (comment) out.add([...parentAt(comment[1].length), comment[2]].join('.'));
  }
  return out;
}

/** Helm's merge: maps merge deeply, anything else (lists too) replaces; null removes a default. */
export function helmMerge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Map_ = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = helmMerge(base[k], v);
  }
  return out;
}

export class ChartRegistry {
  private readonly charts = new Map<string, Promise<ChartData | { error: string }>>();
  private registry?: SchemaRegistry;
  /** @param registry Kubernetes definitions for typed blocks. @default a registry on `source` and `cache` */
  constructor(
    private readonly source: SchemaSource,
    private readonly cache: DiskCache = new DiskCache(undefined),
    registry?: SchemaRegistry,
  ) {
    this.registry = registry;
  }

  /** The Kubernetes definitions that typed blocks are checked against. */
  schemas(): SchemaRegistry {
    this.registry ??= new SchemaRegistry(this.source, { cache: this.cache });
    return this.registry;
  }

  /**
   * The data of chart `name`: the default pinned version (`charts/<name>/`), or with `version` the data pinned for
   * that version by `npm run upstream -- pin` (`charts/<name>/<version>/`), when it differs from the default.
   */
  async chart(name: string, version?: string): Promise<ChartData | { error: string }> {
    const main = await this.cached(name, undefined);
    if (version === undefined || 'error' in main || main.version === version) return main;
    return this.cached(name, version);
  }

  private cached(name: string, version: string | undefined): Promise<ChartData | { error: string }> {
    const key = `${name}@${version ?? ''}`;
    let p = this.charts.get(key);
    if (!p) {
      p = this.load(name, version);
      this.charts.set(key, p);
    }
    return p;
  }

  private async load(name: string, version: string | undefined): Promise<ChartData | { error: string }> {
    const pinned = PINNED_CHARTS.find((c) => c.name === name);
    const names = PINNED_CHARTS.map((c) => c.name);
    if (!pinned) return { error: `chart ${show(name)} has no pinned data${didYouMean(name, names)}; allowed: ${names.join(', ')}` };
    if (pinned.releasedWith) {
      // No data of its own: expected at the version of the chart it is released with.
      const main = await this.chart(pinned.releasedWith, version);
      return 'error' in main ? main : { pinned, version: main.version, defaults: {}, commented: new Set() };
    }
    const dir = version === undefined ? `charts/${name}` : `charts/${name}/${version}`;
    const chartYaml = await this.source.read(`${dir}/Chart.yaml`);
    const valuesYaml = await this.source.read(`${dir}/values.yaml`);
    if (chartYaml === undefined || valuesYaml === undefined) {
      if (version === undefined) return { error: `${this.source.description} has no ${dir}/Chart.yaml and values.yaml` };
      const main = await this.cached(name, undefined);
      return {
        error:
          `chart ${name} version ${show(version)} has no pinned values data to check against; allowed: ${'error' in main ? 'a pinned version' : main.version}, ` +
          `or pin it with \`npm run upstream -- pin ${name} ${version}\` (writes ${UPSTREAM_FOLDER}/${dir}/ and records it in ${UPSTREAM_FOLDER}/${PINNED_TABLE}; commit both)`,
      };
    }
    const stamped = dataVersion(pinned, chartYaml);
    if ('error' in stamped) return stamped;
    const schemaText = await this.source.read(`${dir}/values.schema.json`);
    let schema: ValidateFunction | undefined;
    let schemaRoot: Map_ | undefined;
    if (schemaText !== undefined) {
      const { $schema, ...rest } = JSON.parse(schemaText) as Map_;
      schemaRoot = rest;
      schema = await this.cache.validator(['values.schema.json', sha256(schemaText)], async () => {
        // ajv is loaded only to compile; a cached validator needs only its small runtime helpers.
        const options = { strict: false, allErrors: true, verbose: true, validateSchema: false, validateFormats: false, code: { source: this.cache.enabled } } as const;
        const ajv = String($schema ?? '').includes('2020-12') ? new (await import('ajv/dist/2020.js')).Ajv2020(options) : new (await import('ajv')).Ajv(options);
        return { ajv, validate: ajv.compile(rest) };
      });
    }
    // Parsing a large values.yaml costs more than reading its JSON copy.
    const parsed = await this.cache.json(['values.yaml', sha256(valuesYaml)], () => ({ defaults: (load(valuesYaml) as Map_) ?? {}, commented: [...commentedKeys(valuesYaml)] }));
    return { pinned, version: stamped.version, defaults: parsed.defaults, schema, schemaRoot, commented: new Set(parsed.commented) };
  }
}

/** Follows local `$ref`s and returns a schema node's declared properties (and whether it allows any key). */
function schemaChild(root: Map_ | undefined, node: Map_ | undefined, key: string): Map_ | undefined {
  const resolved = resolveRef(root, node);
  const props = resolved?.properties;
  return isMap(props) && isMap(props[key]) ? resolveRef(root, props[key] as Map_) : undefined;
}

function resolveRef(root: Map_ | undefined, node: Map_ | undefined): Map_ | undefined {
  let n = node;
  for (let i = 0; i < 10 && n && typeof n.$ref === 'string' && n.$ref.startsWith('#/'); i++) {
    let target: unknown = root;
    for (const seg of n.$ref.slice(2).split('/')) target = isMap(target) ? target[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    n = isMap(target) ? target : undefined;
  }
  return n;
}

function schemaKeys(root: Map_ | undefined, node: Map_ | undefined): string[] {
  const props = resolveRef(root, node)?.properties;
  return isMap(props) ? Object.keys(props) : [];
}

export interface HelmProblem {
  readonly path: string;
  readonly message: string;
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : isMap(v) ? 'a map' : typeof v;
}

/**
 * Unknown keys (and map-versus-scalar mix-ups) in `values` compared with the chart's defaults and schema.
 * Kubernetes-typed blocks are not walked but collected into `typed`, for checkTyped().
 */
export function checkStructure(values: Map_, chart: ChartData, at: ReadonlyArray<string | number>, typed: TypedBlock[] = []): HelmProblem[] {
  const problems: HelmProblem[] = [];
  const walk = (user: Map_, defaults: unknown, schemaNode: Map_ | undefined, keys: string[], only?: ReadonlySet<string>) => {
    const defaultMap = isMap(defaults) ? defaults : {};
    const allowedKeys = () => [...new Set([...Object.keys(defaultMap), ...schemaKeys(chart.schemaRoot, schemaNode)])];
    for (const [key, value] of Object.entries(user)) {
      if (only && !only.has(key)) continue;
      const path = [...keys, key];
      const child = schemaChild(chart.schemaRoot, schemaNode, key);
      const known = Object.hasOwn(defaultMap, key) || child !== undefined || chart.commented.has(path.join('.'));
      if (!known) {
        const allowed = allowedKeys();
        problems.push({
          path: formatPath([...at, ...path]),
          message: `chart ${chart.pinned.name} ${chart.version} has no value ${path.join('.')}${didYouMean(key, allowed)}; allowed: ${allowed.length > 0 ? allowed.slice(0, 15).join(', ') + (allowed.length > 15 ? ', …' : '') : 'no keys here'}`,
        });
        continue;
      }
      const def = defaultMap[key];
      const type = TYPED.find((t) => t.key.test(key));
      if (type && value !== null && (type.list ? Array.isArray(value) : isMap(value))) {
        // The chart's own keys in the block (e.g. `enabled` beside a probe's fields) are walked as usual.
        const chartKeys = new Set([...(isMap(def) ? Object.keys(def) : []), ...schemaKeys(chart.schemaRoot, child)]);
        typed.push({ path: [...at, ...path], value, defs: type.defs, chartKeys });
        if (isMap(value) && isMap(def)) walk(value, def, child, path, chartKeys);
        continue;
      }
      if (child === undefined && def !== undefined && def !== null && value !== null && isMap(def) !== isMap(value)) {
        problems.push({ path: formatPath([...at, ...path]), message: `got ${show(value)} (${kindOf(value)}); allowed: ${kindOf(def)}, like the chart's default ${show(def)}` });
        continue;
      }
      const free = FREE_FORM.test(key) || chart.pinned.passThrough?.includes(path.join('.')) || def === null || (isMap(def) && Object.keys(def).length === 0 && !child?.properties);
      if (isMap(value) && !free && (isMap(def) || child !== undefined)) walk(value, def, child, path);
    }
  };
  walk(values, chart.defaults, chart.schemaRoot, []);
  return problems;
}

/**
 * Typed blocks against their Kubernetes definitions in each of `versions`. A problem found in every version is
 * reported once; the versions are named either way. Keys the chart defines itself are left to checkStructure.
 */
export async function checkTyped(blocks: readonly TypedBlock[], registry: SchemaRegistry, versions: readonly string[], chart: string): Promise<HelmProblem[]> {
  const found = new Map<string, { path: string; message: string; def: string; labels: string[] }>();
  for (const block of blocks) {
    const items: Array<{ at: ReadonlyArray<string | number>; value: unknown }> = Array.isArray(block.value) ? block.value.map((v, i) => ({ at: [...block.path, i], value: v })) : [{ at: block.path, value: block.value }];
    for (const item of items) {
      for (const version of versions) {
        // The definition with the fewest errors; none means the block matches one of them.
        let best: { def: string; lookup: Lookup; errors: ErrorObject[] } | undefined;
        for (const def of block.defs) {
          const lookup = await registry.definition(version, `${CORE}${def}`);
          const validate = 'schema' in lookup ? lookup.schema.validate : undefined;
          const errors = !validate ? [] : validate(item.value) ? [] : (validate.errors ?? []).filter((e) => !(e.keyword === 'additionalProperties' && e.instancePath === '' && block.chartKeys.has((e.params as { additionalProperty: string }).additionalProperty)));
          if (validate && errors.length === 0) {
            best = undefined;
            break;
          }
          if (!best || ('schema' in lookup && ('error' in best.lookup || errors.length < best.errors.length))) best = { def, lookup, errors };
        }
        if (!best) continue;
        let problems: Array<{ path: string; message: string }>;
        if ('error' in best.lookup) problems = [{ path: formatPath(item.at), message: `${best.lookup.error}; allowed: a Kubernetes version with ${best.def}` }];
        else {
          // Only on failure: load the definitions themselves to list the fields allowed where unknown ones were found.
          const allowed = new Map<string, string[]>();
          if (best.errors.some((e) => e.keyword === 'additionalProperties')) {
            const schema = await best.lookup.schema.standalone();
            for (const e of best.errors) if (e.keyword === 'additionalProperties') allowed.set(e.instancePath, allowedFields(schema, e.instancePath));
          }
          problems = fromAjv(best.errors, item.at, item.value, allowed);
        }
        const def = best.def;
        for (const p of problems.map((p) => ({ ...p, def }))) {
          // An unknown field is one problem even where versions allow different fields; the newest list is shown.
          const key = `${p.path}\n${p.message.startsWith('unknown field') ? p.message.split(';')[0] : p.message}\n${p.def}`;
          const seen = found.get(key);
          if (seen) {
            seen.labels.push(version);
            seen.message = p.message;
          }
          else found.set(key, { ...p, labels: [version] });
        }
      }
    }
  }
  return [...found.values()].map((p) => ({ path: p.path, message: `${p.message} (${p.def} of Kubernetes ${p.labels.join(', ')}; chart ${chart} passes it into its pods)` }));
}

/**
 * All problems of one chart source: identity, version, schema, structure, typed blocks. Paths are from the
 * Application's root. @param versions Kubernetes versions for typed blocks. @default every pinned version
 */
export async function checkChartSource(cs: ChartSource, charts: ChartRegistry, versions?: readonly string[]): Promise<HelmProblem[]> {
  const { name, repo } = chartIdentity(cs.source);
  const at = (...rest: string[]) => formatPath([...cs.at, ...rest]);
  const main = await charts.chart(name);
  if ('error' in main) return [{ path: at(typeof cs.source.chart === 'string' ? 'chart' : 'repoURL'), message: main.error }];
  const problems: HelmProblem[] = [];
  const repos = main.pinned.repos.map((r) => r.replace(/\/+$/, ''));
  if (!repos.includes(repo)) problems.push({ path: at('repoURL'), message: `got ${show(cs.source.repoURL)} for chart ${name}; allowed: ${repos.join(', ')}` });
  const data = typeof cs.source.targetRevision === 'string' ? await charts.chart(name, cs.source.targetRevision) : main;
  if ('error' in data || cs.source.targetRevision !== data.version) {
    problems.push({
      path: at('targetRevision'),
      message: 'error' in data ? data.error : `chart ${name} version ${show(cs.source.targetRevision)} has no pinned values data to check against; allowed: ${data.version}`,
    });
    return problems;
  }
  const helm = isMap(cs.source.helm) ? cs.source.helm : {};
  let fromString: Map_ = {};
  if (typeof helm.values === 'string') {
    try {
      fromString = (load(helm.values) as Map_) ?? {};
    } catch (err) {
      problems.push({ path: at('helm', 'values'), message: `malformed YAML: ${(err as Error).message.split('\n')[0]}; allowed: a YAML map of values` });
    }
  }
  const valuesObject = isMap(helm.valuesObject) ? helm.valuesObject : {};
  if (data.pinned.releasedWith) {
    if (Object.keys(valuesObject).length > 0 || Object.keys(fromString).length > 0) {
      problems.push({ path: at('helm'), message: `chart ${name} has no pinned values to check against; allowed: no values for this chart` });
    }
    return problems;
  }
  // Argo CD: valuesObject wins over values.
  const user = helmMerge(fromString, valuesObject) as Map_;
  const base = [...cs.at, 'helm', isMap(helm.valuesObject) || typeof helm.values !== 'string' ? 'valuesObject' : 'values'];
  const merged = helmMerge(data.defaults, user);
  if (data.schema && !data.schema(merged)) {
    problems.push(...fromAjv(data.schema.errors, base, merged).map((p) => ({ path: p.path, message: `${p.message} (values.schema.json of ${name} ${data.version})` })));
  }
  const typed: TypedBlock[] = [];
  problems.push(...checkStructure(user, data, base, typed));
  if (typed.length > 0) {
    const registry = charts.schemas();
    problems.push(...(await checkTyped(typed, registry, versions ?? (await registry.versions()), name)));
  }
  return problems;
}
