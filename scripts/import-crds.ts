/**
 * Regenerates imports/ from the CRDs that cdk8s.yaml names, offline: each URL is mapped to the byte-identical
 * copy under $PLATFORM_UPSTREAM/crds (matched by file name) and handed to `cdk8s import`.
 * Usage: npm run import [-- --upstream DIR]. Options are parsed before anything is touched, so `--help` or a
 * mistyped option changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load } from 'js-yaml';
import { hideBin } from 'yargs/helpers';
import { scriptCli } from '../src/cli.ts';
import { upstreamDir, PROJECT_ROOT } from '../src/paths.ts';

const args = await scriptCli(hideBin(process.argv), 'import', 'Regenerate imports/ (the typed custom resources) from the pinned CRDs that cdk8s.yaml names, offline (about a minute).')
  .option('upstream', { type: 'string', describe: 'Folder of the pinned upstream data (default $PLATFORM_UPSTREAM, else ../shared/upstream)' })
  .example('npm run import', 'rewrite imports/ from $PLATFORM_UPSTREAM/crds')
  .parseAsync();

const upstream = upstreamDir(args.upstream ? ['--upstream', args.upstream] : []);
const crdRoot = join(upstream, 'crds');
if (!existsSync(crdRoot)) {
  console.error(`import: ${crdRoot}: no such folder (imports/ was not changed); allowed: --upstream DIR or PLATFORM_UPSTREAM naming the pinned upstream data`);
  process.exit(1);
}
const localByName = new Map<string, string>();
for (const set of readdirSync(crdRoot)) {
  for (const file of readdirSync(join(crdRoot, set))) localByName.set(file, join(crdRoot, set, file));
}

const { imports } = load(readFileSync(join(PROJECT_ROOT, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
// Generate beside imports/ and swap at the end: an interrupted or failed run leaves imports/ as it was.
const finalDir = join(PROJECT_ROOT, 'imports');
const outDir = join(PROJECT_ROOT, `.imports-${process.pid}`);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
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
rmSync(finalDir, { recursive: true, force: true });
renameSync(outDir, finalDir);
