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
    const log = args.quiet ? () => {} : console.log;
    const start = performance.now();
    const result = synth({ configDir: resolve(PROJECT_ROOT, args.config), outDir: resolve(args.out), clusters: args.cluster });
    for (const c of result.clusters) {
      const w = c.write;
      log(
        `${c.name}: ${c.applications} applications, ${c.objects} objects; ${w.written} written, ${w.unchanged} unchanged, ${w.removed} removed (${Math.round(c.ms)} ms)`,
      );
    }
    for (const p of result.prunedClusters) log(`${p.name}: cluster removed from config; ${p.removed} files removed`);
    if (result.fleet) log(`${result.fleet.name}: fleet ApplicationSet; ${result.fleet.written} written, ${result.fleet.unchanged} unchanged, ${result.fleet.removed} removed`);
    log(`synth: ${result.clusters.length} ${result.clusters.length === 1 ? 'cluster' : 'clusters'} in ${Math.round(performance.now() - start)} ms -> ${args.out}`);
  },
};
