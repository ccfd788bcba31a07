/**
 * The command line: `npm run synth` and friends. Each command loads only what it needs, so start-up stays cheap.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { PROJECT_ROOT } from './paths.ts';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const fail = (err: unknown) => {
    const name = err instanceof Error ? err.name : '';
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'ConfigError') console.error(`Config errors (nothing was written):\n${message}`);
    else if (name === 'RenderError') console.error(`Render error (nothing was written): ${message}`);
    else console.error(err instanceof Error && process.env.DEBUG ? err.stack : `Error: ${message}`);
    exitCode = 1;
  };

  await yargs(argv)
    .scriptName('platform')
    .usage('$0 <command> [options]')
    .option('config', { type: 'string', default: 'config', describe: 'Folder with clusters/ and facts/', global: true })
    .command(
      'synth',
      'Render every cluster in config/clusters into dist/ (all or nothing)',
      (y) =>
        y
          .option('cluster', { type: 'string', array: true, default: [] as string[], describe: 'Only this cluster (repeatable); others stay untouched' })
          .option('out', { type: 'string', default: 'dist', describe: 'Output folder' })
          .example('$0 synth', 'render all clusters into dist/')
          .example('$0 synth --cluster dev', 'render only dev'),
      async (args) => {
        try {
          const { synth } = await import('./synth.ts');
          const start = performance.now();
          const result = synth({ configDir: resolve(PROJECT_ROOT, args.config), outDir: resolve(args.out), clusters: args.cluster });
          for (const c of result.clusters) {
            const w = c.write;
            console.log(
              `${c.name}: ${c.applications} applications, ${c.objects} objects; ${w.written} written, ${w.unchanged} unchanged, ${w.removed} removed (${Math.round(c.ms)} ms)`,
            );
          }
          for (const p of result.prunedClusters) console.log(`${p.name}: cluster removed from config; ${p.removed} files removed`);
          console.log(`synth: ${result.clusters.length} clusters in ${Math.round(performance.now() - start)} ms -> ${args.out}`);
        } catch (err) {
          fail(err);
        }
      },
    )
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .help()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      console.error(msg);
      exitCode = 2;
    })
    .parseAsync();
  return exitCode;
}

// Run only when executed, never on import.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(hideBin(process.argv)).then((code) => process.exit(code));
}
