/**
 * Turns Kubernetes OpenAPI schemas (the cdk8s `_definitions.json` and CRD `openAPIV3Schema`) into strict JSON
 * Schema that ajv and kubeconform both understand. The same function feeds the built-in engine and the files
 * written for kubeconform, so the two agree by construction.
 *
 * - Unknown fields are errors: every object with `properties` gets `additionalProperties: false`, and in CRDs every
 *   object without `x-kubernetes-preserve-unknown-fields` does too (the API server would silently prune them).
 * - `x-kubernetes-int-or-string` and `oneOf` of plain types become a type list (one clear message instead of three).
 * - `nullable: true` allows null. The formats the API server enforces by type (int32, date-time, byte) become plain
 *   bounds and patterns, so the schemas need no format plug-ins; other formats are dropped. CEL rules
 *   (`x-kubernetes-validations`) are not evaluated.
 */

export type JsonSchema = Record<string, unknown>;

export interface StrictOptions {
  /** CRD semantics: a bare `type: object` without preserve-unknown-fields allows no fields. @default false */
  readonly crd?: boolean;
}

/** Formats as plain JSON Schema; every other `format` is dropped. */
const FORMATS: Record<string, JsonSchema> = {
  int32: { minimum: -2147483648, maximum: 2147483647 },
  'date-time': { pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?([Zz]|[+-]\\d\\d:\\d\\d)$' },
  byte: { pattern: '^[A-Za-z0-9+/]*={0,2}$' },
};

const DROP = new Set(['description', 'example', 'externalDocs', 'default']);

export function strictify(schema: unknown, options: StrictOptions = {}): unknown {
  if (Array.isArray(schema)) return schema.map((s) => strictify(s, options));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (DROP.has(key) || key.startsWith('x-kubernetes-') || key === 'nullable') continue;
    if (key === 'format') {
      for (const [k, v] of Object.entries(FORMATS[value as string] ?? {})) if (!(k in s)) out[k] = v;
      continue;
    }
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, strictify(v, options)]));
    } else if (key === 'enum' || key === 'required' || key === 'const') {
      out[key] = value;
    } else {
      out[key] = strictify(value, options);
    }
  }

  if (s['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    delete out.oneOf;
    delete out.format;
    out.type = ['integer', 'string'];
  }
  const oneOf = out.oneOf as JsonSchema[] | undefined;
  if (Array.isArray(oneOf) && oneOf.every((o) => Object.keys(o).length === 1 && typeof o.type === 'string')) {
    delete out.oneOf;
    out.type = oneOf.map((o) => o.type);
  }
  if (s.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];

  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object')) || out.properties !== undefined;
  if (isObject && !preserve && out.additionalProperties === undefined && !('$ref' in out)) {
    if (out.properties !== undefined || (options.crd && s['x-kubernetes-embedded-resource'] !== true)) out.additionalProperties = false;
  }
  return out;
}
