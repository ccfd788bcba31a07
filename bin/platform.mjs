#!/usr/bin/env node
/**
 * Entry point of the npm scripts (synth, validate, diff, facts, bootstrap): runs src/cli.ts from a CommonJS bundle
 * cached in .cache/cli/ (git-ignored). Through tsx every module is transformed and resolved by its loader thread,
 * and Node lexes each CommonJS package imported from ESM; that, not rendering, was most of a synth. The bundle
 * (packages left external, but those every synth loads: see BUNDLED) is keyed by a hash of its input files and the Node
 * version, rebuilt by the first run after any of them changes (a fresh clone needs no extra step), and any problem
 * falls back to the sources via tsx. PLATFORM_NO_BUNDLE=1 always uses the sources. Type-checking is
 * `tsc --noEmit`'s job, not the launcher's.
 *
 * Start-up costs it avoids on every run (issue 16): hashing the inputs (~2.7 MB) when none of them changed since the
 * hash (see sameStats), compiling the bundle (a V8 code cache per command next to it, see requireBundle; on Node
 * >= 22.1 Node's own compile cache, which also covers node_modules), and resolving and compiling the ~170 files
 * of the packages every synth loads (see BUNDLED).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'cli');
const MANIFEST = join(CACHE, 'manifest.json');
/**
 * Inputs of the key besides the bundle's own: this launcher (its build options), the packages' versions, and
 * tsconfig.json (esbuild reads it, e.g. for class-field semantics, but does not list it among the inputs).
 */
const KEY_FILES = [relative(ROOT, fileURLToPath(import.meta.url)), 'package-lock.json', 'tsconfig.json'];
const requireHere = createRequire(import.meta.url);

// Node >= 22.1 caches the compiled code of every module it loads (the bundle and node_modules, e.g. cdk8s).
if (typeof nodeModule.enableCompileCache === 'function' && !process.env.PLATFORM_NO_BUNDLE) {
  try {
    nodeModule.enableCompileCache(join(ROOT, '.cache', 'node-compile'));
  } catch {
    // Only a cache: without it, modules are compiled as usual.
  }
}

/** A project file's bytes, or an empty buffer when it does not exist. */
const readInput = (file) => (existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file)) : Buffer.alloc(0));

/**
 * Hash of the bundle's inputs and KEY_FILES (this launcher, package-lock.json, tsconfig.json) and the Node version.
 * It also identifies the rendering code for synth's no-change index. `read` gives a file's bytes: buildBundle passes
 * the bytes esbuild was given, so that the key never names bytes other than the bundle's.
 */
function inputsKey(inputs, read = readInput) {
  const hash = createHash('sha256').update(`${process.version}\0`);
  for (const input of [...KEY_FILES, ...inputs]) hash.update(`${input}\0`).update(read(input)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** A file's stats: size, mtime, ctime and inode (what git's index compares to find changed files). */
const signature = (s) => `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
const statOf = (file) => statSync(join(ROOT, file), { throwIfNoEntry: false });

/**
 * The stats of the key's files, taken after hashing them at `hashedAt` (ms). A file changed less than 2 s before
 * is left out, so it is hashed again next time: a change made just after it was read could keep its mtime and
 * ctime on a file system with coarse timestamps (git's "racily clean" case). Any later change sets ctime anew.
 */
function statsOf(files, hashedAt) {
  const stats = {};
  for (const file of files) {
    const s = statOf(file);
    if (s && s.ctimeMs < hashedAt - 2000 && s.mtimeMs < hashedAt - 2000) stats[file] = signature(s);
  }
  return stats;
}

/** True when every file has the stats recorded with the key: none of them changed since they were hashed. */
function sameStats(stats, files) {
  return files.every((file) => {
    const s = stats[file] === undefined ? undefined : statOf(file);
    return s !== undefined && stats[file] === signature(s);
  });
}

function writeManifest(manifest) {
  const tmp = join(CACHE, `.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2));
  renameSync(tmp, MANIFEST);
}

function cachedBundle() {
  if (!existsSync(MANIFEST)) return undefined;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined; // damaged (by hand: it is written by rename): rebuilt
  }
  const { key, inputs, bundle } = manifest ?? {};
  if (typeof key !== 'string' || !Array.isArray(inputs) || typeof bundle !== 'string' || !/^cli-[0-9a-f]+\.cjs$/.test(bundle)) return undefined;
  const file = join(CACHE, bundle);
  if (!existsSync(file)) return undefined;
  const files = [...KEY_FILES, ...inputs];
  if (manifest.node === process.version && manifest.stats && sameStats(manifest.stats, files)) return { file, key };
  const hashedAt = Date.now();
  if (!inputs.every((i) => existsSync(join(ROOT, i))) || inputsKey(inputs) !== key) return undefined;
  // Unchanged after all (e.g. touched, or a fresh checkout): record the stats so the next run need not hash.
  writeManifest({ ...manifest, node: process.version, stats: statsOf(files, hashedAt) });
  return { file, key };
}

/**
 * The packages bundled with the sources: what every synth loads (the CLI's yargs, cdk8s and cdk8s-plus-28 with
 * constructs, js-yaml). From one file with a code cache they load in about half the time Node's resolver and
 * compiler take for their ~170 files (~45 of them yargs' ES modules); the packages of other commands (AWS SDK,
 * ajv, ...) stay external and are loaded only by the commands that use them.
 */
const BUNDLED = ['yargs', 'cdk8s', 'cdk8s-plus-28', 'constructs', 'js-yaml'];

/**
 * How a file of a bundled package finds its own path or URL: yargs finds its locales and the project's
 * package.json from it. Relative to the bundle's folder, so it holds wherever the checkout is. Functions of the
 * banner: a module's own `require` (yargs' createRequire) may shadow the bundle's where they are used.
 */
const packagePath = (path) => `__cliPackagePath(${JSON.stringify(relative(CACHE, path))})`;
const importMetaUrl = (path) => `__cliPackageUrl(${JSON.stringify(relative(CACHE, path))})`;

async function buildBundle() {
  const esbuild = await import('esbuild');
  const hashedAt = Date.now();
  // The bytes of the project's own files as esbuild is given them (see the `sources` plugin), so that a file saved
  // while the build runs can never leave the old code cached under the key of the new bytes.
  const given = new Map(KEY_FILES.map((f) => [f, readInput(f)]));
  const built = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // import() of an external package becomes require(): the bundle runs as a vm.Script (requireBundle), where
    // Node 20 allows import() only behind a flag or an experimental option. Every such package is CommonJS or a
    // Node built-in, and each import names its exports, the same through either.
    supported: { 'dynamic-import': false },
    plugins: [
      {
        name: 'sources',
        setup(build) {
          const loaders = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };
          build.onLoad({ filter: /\.(?:[mc]?[jt]s|json)$/ }, (args) => {
            const path = relative(ROOT, args.path);
            if (path.startsWith('..') || /(?:^|[\\/])node_modules[\\/]/.test(path)) return undefined;
            const contents = readFileSync(args.path);
            given.set(path.split('\\').join('/'), contents);
            return { contents, loader: loaders[args.path.slice(args.path.lastIndexOf('.'))] };
          });
        },
      },
      {
        // BUNDLED packages (and what they import) go into the bundle, every other package stays external.
        name: 'packages',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            BUNDLED.some((p) => args.path === p || args.path.startsWith(`${p}/`)) || /[\\/]node_modules[\\/]/.test(args.importer) ? undefined : { external: true },
          );
          build.onLoad({ filter: /[\\/]node_modules[\\/].*\.m?js$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            let contents = text.replaceAll('import.meta.url', importMetaUrl(args.path));
            // A CommonJS file's own folder (cdk8s' yaml.js finds a script beside it), unless it names its own.
            if (!/\b(?:const|let|var)\s+__(?:dirname|filename)\b/.test(text)) {
              contents = contents.replace(/\b__dirname\b/g, packagePath(dirname(args.path))).replace(/\b__filename\b/g, packagePath(args.path));
            }
            // string-width (help layout) makes an Intl.Segmenter when loaded, ~8 ms of ICU data: made on first use
            // instead, as commands run without laying out help (src/cli.ts, skipHelpCache).
            if (/[\\/]string-width[\\/]index\.js$/.test(args.path)) {
              contents = contents.replace('const segmenter = new Intl.Segmenter();', 'let segmenter;').replace('segmenter.segment(', '(segmenter ??= new Intl.Segmenter()).segment(');
            }
            return contents === text ? undefined : { contents, loader: 'js' };
          });
        },
      },
    ],
    // CommonJS has no import.meta: the bundled modules get the URL of src/cli.ts; all of them resolve paths from
    // the project root (src/paths.ts) or node_modules, which are the same from there.
    define: { 'import.meta.url': '__cliModuleUrl' },
    banner: {
      js: [
        `const __cliModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', '..', 'src', 'cli.ts')).href;`,
        // Taken now: yargs' shim declares a top-level `__dirname` of its own, which then replaces the wrapper's.
        `const __cliBundleDir = __dirname;`,
        `const __cliPackagePath = (path) => require('node:path').join(__cliBundleDir, path);`,
        `const __cliPackageUrl = (path) => require('node:url').pathToFileURL(__cliPackagePath(path)).href;`,
      ].join('\n'),
    },
  });
  const inputs = Object.keys(built.metafile.inputs).sort();
  const key = inputsKey(inputs, (file) => given.get(file) ?? readInput(file));
  const bundle = `cli-${key}.cjs`;
  mkdirSync(CACHE, { recursive: true });
  // Write then rename, so a concurrent run never reads half a file.
  const tmp = join(CACHE, `.tmp-${process.pid}`);
  writeFileSync(tmp, built.outputFiles[0].contents);
  renameSync(tmp, join(CACHE, bundle));
  writeManifest({ key, inputs, bundle, node: process.version, stats: statsOf([...KEY_FILES, ...inputs], hashedAt) });
  // Older bundles and their code caches.
  for (const old of readdirSync(CACHE)) if (old.startsWith('cli-') && old !== bundle) rmSync(join(CACHE, old), { force: true });
  return { file: join(CACHE, bundle), key };
}

/**
 * Loads the bundle like require() does, but through vm.Script with a V8 code cache (Node 20 has no compile cache):
 * one per command (`<bundle>.<command>.v8`; a diff's render child: `<bundle>.render.v8`), written at exit after the first run, so it holds the functions that
 * command compiled. V8 rejects a cache that does not fit the source or the V8 version; it is then written anew.
 */
function requireBundle(file) {
  if (typeof nodeModule.enableCompileCache === 'function') return requireHere(file);
  const command = /^[a-z]+$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
  // A diff's render child runs other functions than the diff itself, and both exit at about the same time: one
  // cache for the two would hold whichever wrote last.
  const cacheFile = `${file}.${command === 'diff' && process.argv.includes('--render-stream') ? 'render' : command}.v8`;
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(nodeModule.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.tmp-${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // Only a cache: the next run compiles again.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

async function loadCli() {
  if (!process.env.PLATFORM_NO_BUNDLE) {
    try {
      // Tells synth which code renders (src/commands/synth.ts): its no-change index is valid for this key only.
      const load = ({ file, key }) => ((process.env.PLATFORM_CODE_VERSION = key), requireBundle(file));
      const cached = cachedBundle();
      if (cached) {
        try {
          return load(cached);
        } catch {
          // A damaged bundle (it is written by rename, so only by hand): rebuilt once below, not given up for good.
        }
      }
      return load(await buildBundle());
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
