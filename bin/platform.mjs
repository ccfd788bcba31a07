#!/usr/bin/env node
/**
 * Entry point of the npm scripts (synth, validate, diff, facts, bootstrap): runs src/cli.ts from a CommonJS bundle
 * cached in .cache/cli/ (git-ignored). Through tsx every module is transformed and resolved by its loader thread,
 * and Node lexes each CommonJS package imported from ESM; that, not rendering, was most of a synth. The bundle
 * (packages left external) is keyed by a hash of its input files and the Node version, rebuilt by the first run
 * after any of them changes (a fresh clone needs no extra step), and any problem falls back to the sources via tsx.
 * PLATFORM_NO_BUNDLE=1 always uses the sources. Type-checking is `tsc --noEmit`'s job, not the launcher's.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'cli');
const MANIFEST = join(CACHE, 'manifest.json');
const requireHere = createRequire(import.meta.url);

/**
 * Hash of the bundle's inputs, this launcher (its build options), the Node version and package-lock.json (the
 * external packages' versions). It also identifies the rendering code for synth's no-change index.
 */
function inputsKey(inputs) {
  const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(`\0${process.version}\0`);
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(lock)) hash.update(readFileSync(lock)).update('\0');
  for (const input of inputs) hash.update(`${input}\0`).update(readFileSync(join(ROOT, input))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function cachedBundle() {
  if (!existsSync(MANIFEST)) return undefined;
  const { key, inputs, bundle } = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const file = join(CACHE, bundle);
  return existsSync(file) && inputs.every((i) => existsSync(join(ROOT, i))) && inputsKey(inputs) === key ? { file, key } : undefined;
}

async function buildBundle() {
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // CommonJS has no import.meta: the bundled modules get the URL of src/cli.ts; all of them resolve paths from
    // the project root (src/paths.ts) or node_modules, which are the same from there.
    define: { 'import.meta.url': '__cliModuleUrl' },
    banner: { js: `const __cliModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', '..', 'src', 'cli.ts')).href;` },
  });
  const inputs = Object.keys(built.metafile.inputs).sort();
  const key = inputsKey(inputs);
  const bundle = `cli-${key}.cjs`;
  mkdirSync(CACHE, { recursive: true });
  // Write then rename, so a concurrent run never reads half a file.
  const tmp = join(CACHE, `.tmp-${process.pid}`);
  writeFileSync(tmp, built.outputFiles[0].contents);
  renameSync(tmp, join(CACHE, bundle));
  writeFileSync(tmp, JSON.stringify({ key, inputs, bundle }, null, 2));
  renameSync(tmp, MANIFEST);
  for (const old of readdirSync(CACHE)) if (old.startsWith('cli-') && old !== bundle) rmSync(join(CACHE, old), { force: true });
  return { file: join(CACHE, bundle), key };
}

async function loadCli() {
  if (!process.env.PLATFORM_NO_BUNDLE) {
    try {
      const { file, key } = cachedBundle() ?? (await buildBundle());
      // Tells synth which code renders (src/commands/synth.ts): its no-change index is valid for this key only.
      process.env.PLATFORM_CODE_VERSION = key;
      return requireHere(file);
    } catch (err) {
      if (process.env.DEBUG) console.error(`cli bundle unavailable, using the sources: ${err?.message ?? err}`);
    }
  }
  delete process.env.PLATFORM_CODE_VERSION;
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(ROOT, 'src', 'cli.ts')).href);
}

const { main } = await loadCli();
process.exitCode = await main(process.argv.slice(2));
