/** Test helpers: temporary copies of the example config, loading, rendering. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { loadClusters } from '../config/load.ts';
import { ADDONS } from '../charts/registry.ts';
import type { Cluster } from '../config/cluster.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { renderCluster, type RenderedCluster } from '../src/render.ts';
import { loadFleet } from '../apps/fleet.ts';

export const EXAMPLE_CONFIG = join(PROJECT_ROOT, 'config');

const created: string[] = [];
// Each test file removes the folders it made (a full run makes hundreds).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'platform-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A copy of the example config/ in a temporary folder; tests edit the copy, never the examples. */
export function tempConfig(): string {
  const dir = tempDir('platform-config-');
  cpSync(EXAMPLE_CONFIG, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  return dir;
}

/** Edits a cluster file of a temp config as parsed YAML. */
export function editCluster(configDir: string, name: string, edit: (doc: Record<string, any>) => void): void {
  const file = join(configDir, 'clusters', `${name}.yaml`);
  const doc = load(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(file, dump(doc));
}

export function writeCluster(configDir: string, name: string, text: string): void {
  writeFileSync(join(configDir, 'clusters', `${name}.yaml`), text);
}

export function exampleCluster(name: string, configDir = EXAMPLE_CONFIG): Cluster {
  return loadClusters({ addons: ADDONS, configDir, only: [name], relativeTo: configDir })[0];
}

export function render(name: string, configDir = EXAMPLE_CONFIG): RenderedCluster {
  return renderCluster(exampleCluster(name, configDir), { fleet: loadFleet({ configDir }) });
}

/** Parses a rendered file (one object, after the header comment). */
export function parse(rendered: RenderedCluster, path: string): Record<string, any> {
  const text = rendered.files.get(path);
  if (text === undefined) throw new Error(`no file ${path}; have: ${[...rendered.files.keys()].join(', ')}`);
  return load(text) as Record<string, any>;
}

/** Problems thrown by loadClusters as `file: path: message` lines. */
export function configErrors(configDir: string, only?: string[]): string[] {
  try {
    loadClusters({ addons: ADDONS, configDir, only, relativeTo: configDir });
  } catch (err) {
    if (err instanceof Error && err.name === 'ConfigError') return err.message.split('\n');
    throw err;
  }
  return [];
}
