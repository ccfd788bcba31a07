/** One-way imports (issue 15): no module imports from a layer above its own; the rule is eslint.config.js `FORBIDDEN`. */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsFiles } from '../src/docs/generate.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

/** Every relative module a TypeScript file names: `from '…'`, `import '…'` and `import('…')`, as project paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(PROJECT_ROOT, resolve(dirname(file), m[1])).split(sep).join('/'));
}

/** `file: imported module` for every import of `layer/` that lands in one of the `forbidden` folders. */
function upwardImports(layer: string, forbidden: readonly string[]): string[] {
  return tsFiles(join(PROJECT_ROOT, layer)).flatMap((file) =>
    relativeImports(file)
      .filter((target) => forbidden.includes(target.split('/')[0]))
      .map((target) => `${relative(PROJECT_ROOT, file).split(sep).join('/')}: ${target}`),
  );
}

describe('one-way imports', async () => {
  // Not a static import: eslint.config.js is plain JavaScript without type declarations.
  const { FORBIDDEN } = (await import(pathToFileURL(join(PROJECT_ROOT, 'eslint.config.js')).href)) as { FORBIDDEN: Record<string, string[]> };

  it('covers config/, charts/, apps/ and bootstrap/', () => {
    expect(Object.keys(FORBIDDEN).sort()).toEqual(['apps', 'bootstrap', 'charts', 'config']);
  });

  for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
    it(`${layer}/ imports nothing from ${forbidden.map((f) => `${f}/`).join(', ')}`, () => {
      expect(tsFiles(join(PROJECT_ROOT, layer)).length).toBeGreaterThan(3);
      expect(upwardImports(layer, forbidden)).toEqual([]);
    });
  }

  it('finds an upward import (the check is not vacuous)', () => {
    // apps/ does import config/ and imports/: the same walk with config/ forbidden must report it.
    expect(upwardImports('apps', ['config'])).toContain('apps/fleet.ts: config/fleet.ts');
  });

  it('no command imports the CLI that dispatches to it (what they share is in src/commands/common.ts)', () => {
    const commands = tsFiles(join(PROJECT_ROOT, 'src', 'commands'));
    expect(commands.length).toBeGreaterThan(5);
    expect(commands.flatMap((f) => relativeImports(f).filter((t) => t === 'src/cli.ts').map(() => relative(PROJECT_ROOT, f)))).toEqual([]);
  });
});
