import { isMap } from './schema.ts';

/** Deep-merges plain maps: `over` wins; lists and scalars are replaced, never concatenated. Inputs are not changed. */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return structuredClone(base);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : structuredClone(value);
  }
  return out as T;
}

export { isMap };
