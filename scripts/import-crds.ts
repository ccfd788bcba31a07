/**
 * Regenerates imports/ from the CRDs that cdk8s.yaml names, offline: each URL is mapped to the byte-identical
 * copy under $PLATFORM_UPSTREAM/crds (matched by file name) and handed to `cdk8s import`.
 * Usage: npm run import [-- --upstream DIR]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load } from 'js-yaml';
import { upstreamDir, PROJECT_ROOT } from '../src/paths.ts';

const upstream = upstreamDir(process.argv);
const crdRoot = join(upstream, 'crds');
const localByName = new Map<string, string>();
for (const set of readdirSync(crdRoot)) {
  for (const file of readdirSync(join(crdRoot, set))) localByName.set(file, join(crdRoot, set, file));
}

const { imports } = load(readFileSync(join(PROJECT_ROOT, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
const outDir = join(PROJECT_ROOT, 'imports');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
for (const spec of imports) {
  const [module, url] = spec.split(':=');
  const local = localByName.get(basename(url));
  if (!local) throw new Error(`cdk8s.yaml import ${module}: no local copy of ${basename(url)} under ${crdRoot}`);
  execFileSync('npx', ['cdk8s', 'import', `${module}:=${local}`, '--language', 'typescript', '--output', outDir, '--no-check-upgrade', '--no-save'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.log(`imports/${module}.ts <- ${url}`);
}
