/** Rendered output as the diff sees it: cluster → (path → file content), read from a dist-like folder. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../dist.ts';


/** cluster name → (path relative to the cluster folder → content). */
export type RenderedTree = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Reads every cluster folder under `dir` (hidden entries, e.g. staging folders, are skipped). */
export function readTree(dir: string): RenderedTree {
  const tree = new Map<string, Map<string, string>>();
  if (!existsSync(dir)) return tree;
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (entry.startsWith('.') || !statSync(full).isDirectory()) continue;
    tree.set(entry, new Map(listFiles(full).map((path) => [path, readFileSync(join(full, path), 'utf8')])));
  }
  return tree;
}
