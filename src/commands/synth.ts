import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from './common.ts';

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
    const { synth } = await import('../synth.ts');
    const log = args.quiet ? () => {} : console.log;
    const start = performance.now();
    const outDir = resolve(args.out);
    const result = await synth({
      configDir: resolve(PROJECT_ROOT, args.config),
      outDir,
      clusters: args.cluster,
      // Set by bin/platform.mjs (its bundle key); through tsx there is none, and every cluster is rendered.
      codeVersion: process.env.PLATFORM_CODE_VERSION || undefined,
      indexFile: join(PROJECT_ROOT, '.cache', 'synth-index', `${createHash('sha256').update(outDir).digest('hex').slice(0, 16)}.json`),
    });
    for (const c of result.clusters) {
      const w = c.write;
      const how = c.skipped ? 'inputs and files unchanged, not rendered' : `${Math.round(c.ms)} ms`;
      const what = c.awaitingFacts
        ? `waiting for facts: run npm run bootstrap -- deploy --cluster ${c.name}, then npm run facts -- pull --cluster ${c.name} (bootstrap template only)`
        : `${c.applications} applications, ${c.objects} objects`;
      log(`${c.name}: ${what}; ${w.written} written, ${w.unchanged} unchanged, ${w.removed} removed (${how})`);
    }
    for (const p of result.prunedClusters) log(`${p.name}: cluster removed from config; ${p.removed} files removed`);
    if (result.fleet) log(`${result.fleet.name}: fleet ApplicationSet; ${result.fleet.written} written, ${result.fleet.unchanged} unchanged, ${result.fleet.removed} removed`);
    const n = result.clusters.length;
    log(`synth: ${n} ${n === 1 ? 'cluster' : 'clusters'} in ${Math.round(performance.now() - start)} ms -> ${args.out}`);
  },
};
