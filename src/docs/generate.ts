/**
 * `npm run docs`: writes what is generated from the code, and `--check` says what is stale (CI runs it, like the
 * dist/ check):
 * - `docs/addons/<id>.md` (the block between the markers) and `docs/addons/README.md`, from charts/registry.ts;
 * - `schema/{cluster,facts,fleet}.schema.json`, the editor schemas of the config files.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addonBlock, addonIndexBlock, newAddonPage, replaceBlock } from './addon-pages.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { clusterFileJsonSchema, DEFAULT_DOC_SOURCES, factsFileJsonSchema, fleetFileJsonSchema, type AnyAddon, type DocSources } from './json-schema.ts';

export interface DocsInput {
  /** Project root: outputs are written below it. */
  readonly root: string;
  readonly addons: readonly AnyAddon[];
  /** Where the JSDoc is read from. @default this project's config/cluster.ts, config/fleet.ts and charts/**.ts */
  readonly sources?: DocSources;
  /** Folder of the controllers' IAM policies, one `<controller>.ts` each. @default this project's bootstrap/iam/ */
  readonly policiesDir?: string;
}

export interface DocsResult {
  /** Paths (relative to root) whose content differs from the code: rewritten, or only reported with `check`. */
  readonly stale: readonly string[];
  /** Every generated path, relative to root. */
  readonly files: readonly string[];
}

/** Every .ts file under `dir`, sorted. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(dir, f));
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** What each generated file should contain: path (relative to root) → content given the current content. */
function outputs(input: DocsInput): Map<string, (current: string | undefined, file: string) => string> {
  const sources = input.sources ?? DEFAULT_DOC_SOURCES(tsFiles(join(PROJECT_ROOT, 'charts')));
  const policiesDir = input.policiesDir ?? join(PROJECT_ROOT, 'bootstrap', 'iam');
  const out = new Map<string, (current: string | undefined, file: string) => string>();
  const index = addonIndexBlock(input.addons);
  out.set('docs/addons/README.md', (current, file) => (current === undefined ? `# Add-ons\n\n${index}\n` : replaceBlock(current, index, file)));
  for (const addon of input.addons) {
    const block = addonBlock(addon, sources, policiesDir);
    out.set(`docs/addons/${addon.id}.md`, (current, file) => (current === undefined ? newAddonPage(addon, block) : replaceBlock(current, block, file)));
  }
  out.set('schema/cluster.schema.json', () => json(clusterFileJsonSchema(input.addons, sources)));
  out.set('schema/facts.schema.json', () => json(factsFileJsonSchema(sources)));
  out.set('schema/fleet.schema.json', () => json(fleetFileJsonSchema(sources)));
  return out;
}

/**
 * Regenerates the docs and schemas under `input.root`, or with `check` only compares them.
 * @throws Error when an add-on page lost its generated-block markers (names the file and the markers).
 */
export function generateDocs(input: DocsInput, options: { readonly check?: boolean } = {}): DocsResult {
  const stale: string[] = [];
  const files: string[] = [];
  for (const [path, render] of outputs(input)) {
    const file = join(input.root, path);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const next = render(current, path);
    files.push(path);
    if (next === current) continue;
    stale.push(path);
    if (!options.check) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, next);
    }
  }
  return { stale, files };
}
