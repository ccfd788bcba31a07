import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from '../cli.ts';

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
    const start = performance.now();
    const result = synth({ configDir: resolve(PROJECT_ROOT, args.config), outDir: resolve(args.out), clusters: args.cluster });
    for (const c of result.clusters) {
      const w = c.write;
      const what = c.awaitingFacts
        ? `waiting for facts: run npm run bootstrap -- deploy --cluster ${c.name}, then npm run facts -- pull --cluster ${c.name} (bootstrap template only)`
        : `${c.applications} applications, ${c.objects} objects`;
      console.log(`${c.name}: ${what}; ${w.written} written, ${w.unchanged} unchanged, ${w.removed} removed (${Math.round(c.ms)} ms)`);
    }
    for (const p of result.prunedClusters) console.log(`${p.name}: cluster removed from config; ${p.removed} files removed`);
    if (result.fleet) console.log(`${result.fleet.name}: fleet ApplicationSet; ${result.fleet.written} written, ${result.fleet.unchanged} unchanged, ${result.fleet.removed} removed`);
    console.log(`synth: ${result.clusters.length} clusters in ${Math.round(performance.now() - start)} ms -> ${args.out}`);
  },
};
