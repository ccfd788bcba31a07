/**
 * The command line behind `npm run synth` and friends. One module per command under commands/; each imports its
 * heavy dependencies inside its handler, so `--help` and every command start fast, and `--help` never runs one.
 * One convention for all: help shows the `npm run <command> -- …` forms users type; `--config` and `--quiet` are
 * global; per-cluster commands take `--cluster`, AWS commands `--profile`/`--region`; exit codes are EXIT_CODES
 * (commands/common.ts, with GlobalArgs: commands import that, never this module).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { synthCommand } from './commands/synth.ts';
import { diffCommand } from './commands/diff.ts';
import { factsCommand } from './commands/facts.ts';
import { bootstrapCommand } from './commands/bootstrap.ts';
import { validateCommand } from './commands/validate.ts';
import { upstreamCommand } from './commands/upstream.ts';
import { EXIT_CODES, report, type GlobalArgs } from './commands/common.ts';

const EXIT_CODES_TEXT = 'Exit codes: 0 ok; 1 findings (problems, differences with --exit-code) or a failure; 2 usage (unknown option, bad argument).';

/**
 * The argument parser of a script outside this CLI (`npm run docs`, `npm run import`) under the same convention:
 * `npm run <script> -- …` in help, the exit codes, strict options, a usage error exits 2 before anything runs.
 */
export function scriptCli(argv: readonly string[], script: string, usage: string): Argv {
  return yargs([...argv])
    .scriptName(`npm run ${script} --`)
    .usage(`npm run ${script} -- [options]\n\n${usage}`)
    .epilog(EXIT_CODES_TEXT)
    .strict()
    .help()
    .fail((msg, err) => {
      console.error(err ? `Error: ${err.message}` : `${msg}\nSee --help.`);
      process.exit(err ? EXIT_CODES.findings : EXIT_CODES.usage);
    });
}

/**
 * A help example in the form users type: `$0 facts pull --cluster dev` → `npm run facts -- pull --cluster dev`
 * (each command is an npm script; npm passes what follows `--` on).
 */
export function npmForm(example: string): string {
  const m = /^\$0 (\S+)(?: (.*))?$/.exec(example.trim());
  if (!m) return example;
  return m[2] ? `npm run ${m[1]} -- ${m[2]}` : `npm run ${m[1]}`;
}

/** The command's yargs with `.example()` rewritten to npm forms, so every command follows the convention unedited. */
function npmExamples<T>(y: Argv<T>): Argv<T> {
  const example = y.example.bind(y) as (cmd: string, desc: string) => Argv<T>;
  return Object.assign(y, { example: (cmd: string, desc: string) => example(npmForm(cmd), desc) }) as Argv<T>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
const COMMANDS: CommandModule<GlobalArgs, any>[] = [synthCommand, diffCommand, factsCommand, bootstrapCommand, validateCommand, upstreamCommand];

export async function main(argv: string[]): Promise<number> {
  // Node 20 stays supported here (engines >=20.19.0); the AWS SDK's 8-line notice that its releases after January
  // 2027 need Node 22 is not something a user of these commands can act on mid-task. The SDK's own switch
  // (@aws-sdk/core, emitWarningIfUnsupportedVersion), read when a client is created; an explicit value wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let exitCode = 0;
  let cli = yargs(argv)
    .scriptName('npm run')
    .usage('npm run <command> -- [options]')
    .option('config', { type: 'string', default: 'config', describe: 'Folder with clusters/ and facts/', global: true })
    .option('quiet', { type: 'boolean', default: false, describe: 'Print only results, problems and errors (no progress, no summaries)', global: true })
    .epilog(EXIT_CODES_TEXT);
  skipHelpCache(cli);
  for (const command of COMMANDS) {
    const handler = command.handler;
    const [name, ...positionals] = String(command.command).split(' ');
    const builder = command.builder;
    cli = cli.command({
      ...command,
      builder: (y: Argv<GlobalArgs>) => {
        const built = typeof builder === 'function' ? builder(npmExamples(y)) : y.options(builder ?? {});
        return (built as Argv<GlobalArgs>).usage(`npm run ${name} -- ${[...positionals, '[options]'].join(' ')}`).epilog(EXIT_CODES_TEXT);
      },
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
    return EXIT_CODES.usage;
  }
  return exitCode;
}

class UsageError extends Error {}

/**
 * yargs lays out a command's help text (cliui, string-width) each time it runs the command's handler, in case the
 * handler shows help later (yargs 18.2.0, build/lib/command.js: handleValidationAndGetResult calls
 * usage.cacheHelpMessage). No handler here does, and `--help` and usage errors lay it out on demand; skipping it
 * saves ~10 ms of every command. Through yargs' internal methods: if they are not there, nothing changes.
 */
export function skipHelpCache(cli: Argv<GlobalArgs>): void {
  const internal = cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

// Run only when executed, never on import.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(hideBin(process.argv)).then((code) => process.exit(code));
}
