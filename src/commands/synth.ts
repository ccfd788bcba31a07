import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from '../cli.ts';

type SynthModule = typeof import('../synth.ts');

/** Bump when the bundle options change, so old bundles are not reused. */
const BUNDLE_FORMAT = 'cjs-1';

function inputsKey(inputs: readonly string[]): string {
  const hash = createHash('sha256').update(`${BUNDLE_FORMAT}\0${process.version}\0`);
  for (const input of inputs) hash.update(`${input}\0`).update(readFileSync(join(PROJECT_ROOT, input))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * src/synth.ts precompiled. Through tsx every module is transformed and resolved via its loader thread, and node
 * lexes each CommonJS package imported from ESM; that, not rendering, was most of a synth. A CommonJS bundle of
 * src/synth.ts (packages left external) loads several times faster. It is cached in .cache/synth/ (git-ignored)
 * under a hash of its input files, rebuilt by the first synth after any of them changes (a fresh clone needs no
 * step), and any problem falls back to the sources. PLATFORM_NO_BUNDLE=1 turns it off. Type-checking is `tsc`'s job.
 */
async function loadSynth(): Promise<SynthModule> {
  if (process.env.PLATFORM_NO_BUNDLE) return import('../synth.ts');
  const dir = join(PROJECT_ROOT, '.cache', 'synth');
  const requireHere = createRequire(import.meta.url);
  try {
    const manifest = join(dir, 'manifest.json');
    if (existsSync(manifest)) {
      const m = JSON.parse(readFileSync(manifest, 'utf8')) as { key: string; inputs: string[]; bundle: string };
      if (m.inputs.every((i) => existsSync(join(PROJECT_ROOT, i))) && inputsKey(m.inputs) === m.key) return requireHere(join(dir, m.bundle)) as SynthModule;
    }
    const esbuild = await import('esbuild');
    const built = await esbuild.build({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: ['src/synth.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // CommonJS has no import.meta: give the bundled modules the URL of a file in src/, where the entry point is.
      define: { 'import.meta.url': '__synthModuleUrl' },
      banner: { js: "const __synthModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', '..', 'src', 'synth.ts')).href;" },
    });
    const inputs = Object.keys(built.metafile.inputs).sort();
    const key = inputsKey(inputs);
    const bundle = `synth-${key}.cjs`;
    mkdirSync(dir, { recursive: true });
    // Write-then-rename, so a concurrent synth never reads half a file.
    const tmp = `.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(join(dir, tmp), built.outputFiles[0].contents);
    renameSync(join(dir, tmp), join(dir, bundle));
    writeFileSync(join(dir, tmp), JSON.stringify({ key, inputs, bundle }, null, 2));
    renameSync(join(dir, tmp), manifest);
    for (const old of readdirSync(dir)) if (old.startsWith('synth-') && old !== bundle) rmSync(join(dir, old), { force: true });
    return requireHere(join(dir, bundle)) as SynthModule;
  } catch (err) {
    if (process.env.DEBUG) console.error(`synth bundle unavailable, using the sources: ${err instanceof Error ? err.message : String(err)}`);
    return import('../synth.ts');
  }
}

interface SynthArgs extends GlobalArgs {
  readonly cluster: string[];
  readonly out: string;
}

export const synthCommand: CommandModule<GlobalArgs, SynthArgs> = {
  command: 'synth',
  describe: 'Render every cluster in config/clusters into dist/ (all or nothing)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('cluster', { type: 'string', array: true, default: [] as string[], describe: 'Only this cluster (repeatable); others stay untouched' })
      .option('out', { type: 'string', default: 'dist', describe: 'Output folder' })
      .example('$0 synth', 'render all clusters into dist/')
      .example('$0 synth --cluster dev', 'render only dev') as Argv<SynthArgs>,
  handler: async (args) => {
    const { synth } = await loadSynth();
    const start = performance.now();
    const result = synth({ configDir: resolve(PROJECT_ROOT, args.config), outDir: resolve(args.out), clusters: args.cluster });
    for (const c of result.clusters) {
      const w = c.write;
      console.log(
        `${c.name}: ${c.applications} applications, ${c.objects} objects; ${w.written} written, ${w.unchanged} unchanged, ${w.removed} removed (${Math.round(c.ms)} ms)`,
      );
    }
    for (const p of result.prunedClusters) console.log(`${p.name}: cluster removed from config; ${p.removed} files removed`);
    if (result.fleet) console.log(`${result.fleet.name}: fleet ApplicationSet; ${result.fleet.written} written, ${result.fleet.unchanged} unchanged, ${result.fleet.removed} removed`);
    console.log(`synth: ${result.clusters.length} clusters in ${Math.round(performance.now() - start)} ms -> ${args.out}`);
  },
};
