/**
 * The command line behind `npm run synth` and friends. One module per command under commands/; each imports its
 * heavy dependencies inside its handler, so `--help` and every command start fast.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { synthCommand } from './commands/synth.ts';
import { diffCommand } from './commands/diff.ts';
import { factsCommand } from './commands/facts.ts';
import { bootstrapCommand } from './commands/bootstrap.ts';
import { validateCommand } from './commands/validate.ts';
import { upstreamCommand } from './commands/upstream.ts';

export interface GlobalArgs {
  /** Folder with clusters/ and facts/, relative to the project. */
  readonly config: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
const COMMANDS: CommandModule<GlobalArgs, any>[] = [synthCommand, diffCommand, factsCommand, bootstrapCommand, validateCommand, upstreamCommand];

/** Prints a failure the way users need it: config problems one per line, other errors by message. */
export function report(err: unknown): void {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'ConfigError') console.error(`Config errors (nothing was written):\n${message}`);
  else if (name === 'RenderError') console.error(`Render error (nothing was written): ${message}`);
  else console.error(err instanceof Error && process.env.DEBUG ? err.stack : `Error: ${message}`);
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let cli = yargs(argv)
    .scriptName('platform')
    .usage('$0 <command> [options]')
    .option('config', { type: 'string', default: 'config', describe: 'Folder with clusters/ and facts/', global: true });
  for (const command of COMMANDS) {
    const handler = command.handler;
    cli = cli.command({
      ...command,
      handler: async (args) => {
        try {
          // A handler may return an exit code (e.g. validate with errors); thrown errors are reported and exit 1.
          const code = await handler(args);
          if (typeof code === 'number') exitCode = code;
        } catch (err) {
          report(err);
          exitCode = 1;
        }
      },
    });
  }
  try {
    await cli
      .demandCommand(1, 'Name a command; see --help.')
      .strict()
      .help()
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        // Throwing stops yargs before any handler runs: a mistyped option must never start a synth.
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\nSee --help.`);
    return 2;
  }
  return exitCode;
}

class UsageError extends Error {}

// Run only when executed, never on import.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(hideBin(process.argv)).then((code) => process.exit(code));
}
