/**
 * Offline validation of a CloudFormation template against the AWS CloudFormation resource specification
 * (`@aws-cdk/aws-service-spec`): resource types and property names exist, required properties are present,
 * values have the right primitive types (and allowed values), and every Ref, GetAtt, Sub variable, Condition and
 * DependsOn points at something that exists. It catches what `aws cloudformation validate-template` would not
 * (that call checks only the template's syntax) without an AWS account.
 */
import type { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
interface SpecResource {
  readonly cloudFormationType: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly attributes: Readonly<Record<string, unknown>>;
}
// The property-type union of the spec, kept structural so this file needs no import of the spec's type package.
type PropertyType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: PropertyType }
  | { type: 'union'; types: PropertyType[] };
interface SpecProperty {
  readonly required?: boolean;
  readonly type: PropertyType;
  readonly previousTypes?: PropertyType[];
}

export interface TemplateProblem {
  /** Path in the template, e.g. `Resources.Cluster.Properties.AccessConfig.AuthenticationMode`. */
  readonly path: string;
  readonly message: string;
}

let cached: Promise<SpecDatabase> | undefined;

/** Loads the bundled specification once per process (about 0.3 s). */
export function loadSpec(): Promise<SpecDatabase> {
  cached ??= import('@aws-cdk/aws-service-spec').then((m) => m.loadAwsServiceSpec());
  return cached;
}

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
const TOP_LEVEL = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'Condition', 'DependsOn', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const INTRINSICS = new Set(['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::If', 'Fn::ImportValue', 'Fn::FindInMap', 'Fn::GetAZs', 'Fn::Base64', 'Fn::Cidr', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::Length', 'Fn::ToJsonString']);

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const intrinsicName = (v: unknown): string | undefined => {
  if (!isMap(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && INTRINSICS.has(keys[0]) ? keys[0] : undefined;
};

export function checkTemplate(template: unknown, db: SpecDatabase): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isMap(template)) return [{ path: '(template)', message: 'not a JSON object' }];
  for (const key of Object.keys(template)) if (!TOP_LEVEL.has(key)) add(key, 'unknown top-level section');
  const resources = isMap(template.Resources) ? template.Resources : {};
  const parameters = isMap(template.Parameters) ? template.Parameters : {};
  const conditions = isMap(template.Conditions) ? template.Conditions : {};
  if (Object.keys(resources).length === 0) add('Resources', 'a template needs at least one resource');

  const specOf = new Map<string, SpecResource>();
  for (const [id, resource] of Object.entries(resources)) {
    const path = `Resources.${id}`;
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) add(path, 'logical id must be 1-255 letters and digits');
    if (!isMap(resource) || typeof resource.Type !== 'string') {
      add(path, 'needs a Type');
      continue;
    }
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) add(`${path}.${key}`, 'unknown resource attribute');
    const spec = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
    if (spec.length !== 1) {
      add(`${path}.Type`, `resource type ${resource.Type} does not exist in the CloudFormation specification`);
      continue;
    }
    specOf.set(id, spec[0] as SpecResource);
    if (resource.Condition !== undefined && !(String(resource.Condition) in conditions)) add(`${path}.Condition`, `condition ${String(resource.Condition)} is not defined`);
    for (const dep of ([] as unknown[]).concat(resource.DependsOn ?? [])) {
      if (typeof dep !== 'string' || !(dep in resources)) add(`${path}.DependsOn`, `${String(dep)} is not a resource of this template`);
    }
    checkProperties(isMap(resource.Properties) ? resource.Properties : {}, spec[0].properties as Record<string, SpecProperty>, `${path}.Properties`);
  }

  // Every intrinsic anywhere (properties, conditions, outputs) must point at something that exists.
  const checkRef = (target: string, path: string) => {
    if (!(target in resources) && !(target in parameters) && !PSEUDO.has(target)) add(path, `Ref target ${target} is neither a resource, a parameter nor a pseudo parameter`);
  };
  const checkGetAtt = (id: string, attribute: string, path: string) => {
    const spec = specOf.get(id);
    if (!(id in resources)) add(path, `GetAtt target ${id} is not a resource of this template`);
    else if (spec && !(attribute in spec.attributes)) add(path, `${spec.cloudFormationType} has no attribute ${attribute}; allowed: ${Object.keys(spec.attributes).join(', ')}`);
  };
  const walk = (value: unknown, path: string, locals: ReadonlySet<string>): void => {
    const fn = intrinsicName(value);
    if (fn && isMap(value)) {
      const arg = value[fn];
      if (fn === 'Ref') {
        if (typeof arg !== 'string') add(path, 'Ref needs a logical id');
        else checkRef(arg, path);
        return;
      }
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split(/\.(.*)/) : [];
        if (typeof id !== 'string' || typeof attribute !== 'string') add(path, 'Fn::GetAtt needs [logicalId, attribute]');
        else checkGetAtt(id, attribute, path);
        return;
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        if (typeof text !== 'string' || !isMap(vars)) {
          add(path, 'Fn::Sub needs a string or [string, {variables}]');
          return;
        }
        for (const [name, v] of Object.entries(vars)) walk(v, `${path}.${name}`, locals);
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const [id, attribute] = m[1].split(/\.(.*)/);
          if (id in vars) continue;
          if (attribute) checkGetAtt(id, attribute, `${path} \${${m[1]}}`);
          else checkRef(id, `${path} \${${m[1]}}`);
        }
        return;
      }
      if (fn === 'Fn::If' && Array.isArray(arg) && typeof arg[0] === 'string' && !(arg[0] in conditions)) add(path, `condition ${arg[0]} is not defined`);
      walk(arg, `${path}.${fn}`, locals);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, locals));
    else if (isMap(value)) for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, locals);
  };
  walk(resources, 'Resources', new Set());
  walk(conditions, 'Conditions', new Set());
  walk(template.Outputs ?? {}, 'Outputs', new Set());
  if (isMap(template.Outputs)) {
    for (const [id, output] of Object.entries(template.Outputs)) if (!isMap(output) || output.Value === undefined) add(`Outputs.${id}`, 'needs a Value');
  }
  return problems;

  function checkProperties(props: Json, shape: Record<string, SpecProperty>, path: string): void {
    for (const [name, value] of Object.entries(props)) {
      const prop = shape[name];
      if (!prop) {
        add(`${path}.${name}`, `unknown property; allowed: ${Object.keys(shape).sort().join(', ')}`);
        continue;
      }
      const types = [prop.type, ...(prop.previousTypes ?? [])];
      const attempts = types.map((t) => {
        const sub: TemplateProblem[] = [];
        checkValue(value, t, `${path}.${name}`, sub);
        return sub;
      });
      const ok = attempts.find((a) => a.length === 0);
      if (!ok) problems.push(...attempts[0]);
    }
    for (const [name, prop] of Object.entries(shape)) if (prop.required && props[name] === undefined) add(`${path}.${name}`, 'required property is missing');
  }

  function checkValue(value: unknown, type: PropertyType, path: string, out: TemplateProblem[]): void {
    // Deploy-time values: their type is CloudFormation's to check; their targets are checked by walk().
    if (intrinsicName(value)) return;
    const bad = (expected: string): void => {
      out.push({ path, message: `got ${JSON.stringify(value)?.slice(0, 60)}; expected ${expected}` });
    };
    switch (type.type) {
      case 'string':
        if (typeof value !== 'string') return bad('a string');
        if (type.allowedValues && !type.allowedValues.includes(value)) return bad(`one of ${type.allowedValues.join(', ')}`);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) return bad('an integer');
        return;
      case 'number':
        if (typeof value !== 'number') return bad('a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean') return bad('a boolean');
        return;
      case 'date-time':
        if (typeof value !== 'string') return bad('a date-time string');
        return;
      case 'json':
        if (!isMap(value) && !Array.isArray(value)) return bad('a JSON object');
        return;
      case 'null':
        if (value !== null) return bad('null');
        return;
      case 'tag':
        if (!isMap(value) || typeof value.Key !== 'string' || (typeof value.Value !== 'string' && !intrinsicName(value.Value))) return bad('a tag {Key, Value}');
        return;
      case 'array':
        if (!Array.isArray(value)) return bad('a list');
        value.forEach((v, i) => checkValue(v, type.element, `${path}[${i}]`, out));
        return;
      case 'map':
        if (!isMap(value)) return bad('a map');
        for (const [k, v] of Object.entries(value)) checkValue(v, type.element, `${path}.${k}`, out);
        return;
      case 'union': {
        const attempts = type.types.map((t) => {
          const sub: TemplateProblem[] = [];
          checkValue(value, t, path, sub);
          return sub;
        });
        if (!attempts.some((a) => a.length === 0)) out.push(...attempts[0]);
        return;
      }
      case 'ref': {
        if (!isMap(value)) return bad('an object');
        const def = db.get('typeDefinition', type.reference.$ref);
        const before = problems.length;
        checkProperties(value, def.properties as Record<string, SpecProperty>, path);
        // checkProperties reports into `problems`; move them to `out` so unions can try alternatives.
        out.push(...problems.splice(before));
        return;
      }
    }
  }
}

/** CloudFormation's limit for a template sent inline (TemplateBody) rather than from S3. */
export const TEMPLATE_BODY_LIMIT = 51_200;
