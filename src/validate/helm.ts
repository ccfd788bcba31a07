/**
 * Helm values of every chart source of an Application, checked against the pinned chart version:
 * - the chart is one of the pinned charts, from one of its published repositories, at exactly its pinned version;
 * - the values merged over the chart's defaults (as Helm does) satisfy its `values.schema.json`, when it has one;
 * - every key exists in the chart's default `values.yaml` (or in its schema, or as a commented-out key at that
 *   place), except below keys whose defaults are free-form maps (empty `{}` or null, annotations, labels,
 *   nodeSelector, extra args/env, and Kubernetes-typed blocks such as resources, affinity, securityContext).
 * Helm itself ignores unknown keys silently, so this is the only place a typo shows up.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { didYouMean, show } from '../../config/schema.ts';
import { DiskCache } from './cache.ts';
import { PINNED_CHARTS, type PinnedChart } from './pinned.ts';
import { formatPath, fromAjv } from './problems.ts';
import { sha256, type SchemaSource } from './sources.ts';

type Map_ = Record<string, unknown>;
const isMap = (v: unknown): v is Map_ => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys whose values are free-form maps (or Kubernetes-typed blocks the chart passes through unchanged). */
const FREE_FORM = /(annotations|labels|nodeselector|args|env|envfrom|resources|securitycontext|affinity|tolerations|probe|selector|matchlabels|extra[a-z]*)$/i;

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
  constructor(
    private readonly source: SchemaSource,
    private readonly cache: DiskCache = new DiskCache(undefined),
  ) {}

  chart(name: string): Promise<ChartData | { error: string }> {
    let p = this.charts.get(name);
    if (!p) {
      p = this.load(name);
      this.charts.set(name, p);
    }
    return p;
  }

  private async load(name: string): Promise<ChartData | { error: string }> {
    const pinned = PINNED_CHARTS.find((c) => c.name === name);
    const names = PINNED_CHARTS.map((c) => c.name);
    if (!pinned) return { error: `chart ${show(name)} has no pinned data${didYouMean(name, names)}; allowed: ${names.join(', ')}` };
    if (pinned.withoutData) return { pinned, defaults: {}, commented: new Set() };
    const chartYaml = await this.source.read(`charts/${name}/Chart.yaml`);
    const valuesYaml = await this.source.read(`charts/${name}/values.yaml`);
    if (chartYaml === undefined || valuesYaml === undefined) return { error: `${this.source.description} has no charts/${name}/Chart.yaml and values.yaml` };
    const stamped = /^version:\s*['"]?([^'"\s]+)/m.exec(chartYaml)?.[1] ?? '';
    // cert-manager's Chart.yaml says v0.0.0 upstream (stamped at release); any other mismatch means the data moved.
    if (stamped !== pinned.version && stamped !== 'v0.0.0') {
      return { error: `charts/${name}/Chart.yaml says version ${stamped} but the pinned version is ${pinned.version}; allowed: upstream data matching PROVENANCE.md` };
    }
    const schemaText = await this.source.read(`charts/${name}/values.schema.json`);
    let schema: ValidateFunction | undefined;
    let schemaRoot: Map_ | undefined;
    if (schemaText !== undefined) {
      const { $schema, ...rest } = JSON.parse(schemaText) as Map_;
      schemaRoot = rest;
      const options = { strict: false, allErrors: true, verbose: true, validateSchema: false, validateFormats: false, code: { source: this.cache.enabled } } as const;
      const ajv = String($schema ?? '').includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
      schema = await this.cache.validator(ajv, ['values.schema.json', sha256(schemaText)], () => ajv.compile(rest));
    }
    // Parsing a large values.yaml costs more than reading its JSON copy.
    const parsed = await this.cache.json(['values.yaml', sha256(valuesYaml)], () => ({ defaults: (load(valuesYaml) as Map_) ?? {}, commented: [...commentedKeys(valuesYaml)] }));
    return { pinned, defaults: parsed.defaults, schema, schemaRoot, commented: new Set(parsed.commented) };
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

/** Unknown keys (and map-versus-scalar mix-ups) in `values` compared with the chart's defaults and schema. */
export function checkStructure(values: Map_, chart: ChartData, at: ReadonlyArray<string | number>): HelmProblem[] {
  const problems: HelmProblem[] = [];
  const walk = (user: Map_, defaults: unknown, schemaNode: Map_ | undefined, keys: string[]) => {
    const defaultMap = isMap(defaults) ? defaults : {};
    const allowed = [...new Set([...Object.keys(defaultMap), ...schemaKeys(chart.schemaRoot, schemaNode)])];
    for (const [key, value] of Object.entries(user)) {
      const path = [...keys, key];
      const child = schemaChild(chart.schemaRoot, schemaNode, key);
      const known = key in defaultMap || child !== undefined || chart.commented.has(path.join('.'));
      if (!known) {
        problems.push({
          path: formatPath([...at, ...path]),
          message: `chart ${chart.pinned.name} ${chart.pinned.version} has no value ${path.join('.')}${didYouMean(key, allowed)}; allowed: ${allowed.length > 0 ? allowed.slice(0, 15).join(', ') + (allowed.length > 15 ? ', …' : '') : 'no keys here'}`,
        });
        continue;
      }
      const def = defaultMap[key];
      if (child === undefined && def !== undefined && def !== null && value !== null && isMap(def) !== isMap(value)) {
        problems.push({ path: formatPath([...at, ...path]), message: `got ${show(value)} (${kindOf(value)}); allowed: ${kindOf(def)}, like the chart's default ${show(def)}` });
        continue;
      }
      const free = FREE_FORM.test(key) || def === null || (isMap(def) && Object.keys(def).length === 0 && !child?.properties);
      if (isMap(value) && !free && (isMap(def) || child !== undefined)) walk(value, def, child, path);
    }
  };
  walk(values, chart.defaults, chart.schemaRoot, []);
  return problems;
}

/** All problems of one chart source: identity, version, schema, structure. Paths are from the Application's root. */
export async function checkChartSource(cs: ChartSource, charts: ChartRegistry): Promise<HelmProblem[]> {
  const { name, repo } = chartIdentity(cs.source);
  const data = await charts.chart(name);
  const at = (...rest: string[]) => formatPath([...cs.at, ...rest]);
  if ('error' in data) return [{ path: at(typeof cs.source.chart === 'string' ? 'chart' : 'repoURL'), message: data.error }];
  const problems: HelmProblem[] = [];
  const repos = data.pinned.repos.map((r) => r.replace(/\/+$/, ''));
  if (!repos.includes(repo)) problems.push({ path: at('repoURL'), message: `got ${show(cs.source.repoURL)} for chart ${name}; allowed: ${repos.join(', ')}` });
  if (cs.source.targetRevision !== data.pinned.version) {
    problems.push({
      path: at('targetRevision'),
      message: `chart ${name} version ${show(cs.source.targetRevision)} has no pinned values data to check against; allowed: ${data.pinned.version}`,
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
  if (data.pinned.withoutData) {
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
    problems.push(...fromAjv(data.schema.errors, base, merged).map((p) => ({ path: p.path, message: `${p.message} (values.schema.json of ${name} ${data.pinned.version})` })));
  }
  problems.push(...checkStructure(user, data, base));
  return problems;
}
