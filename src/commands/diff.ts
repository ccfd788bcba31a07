import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { report as reportFailure, type GlobalArgs } from './common.ts';

interface DiffArgs extends GlobalArgs {
  readonly base?: string;
  readonly format: 'text' | 'markdown';
  readonly 'exit-code': boolean;
  readonly cluster: string[];
  readonly 'base-dir'?: string;
  readonly 'head-dir'?: string;
  readonly output?: string;
  readonly 'render-stream': boolean;
  readonly 'render-only'?: string[];
}

/** `diff --render-stream`: the render child's side (src/diff/render-emit.ts); exits 2 on config or render errors. */
async function renderStream(args: DiffArgs): Promise<number> {
  const { renderToStream } = await import('../diff/render-emit.ts');
  const { PROJECT_ROOT } = await import('../paths.ts');
  try {
    const only = args['render-only'] ? new Set(args['render-only']) : undefined;
    renderToStream(resolve(PROJECT_ROOT, args.config), (chunk) => process.stdout.write(chunk), only);
    return 0;
  } catch (err) {
    reportFailure(err);
    return 2;
  }
}

export const diffCommand: CommandModule<GlobalArgs, DiffArgs> = {
  command: 'diff',
  describe: 'Compare the rendered output of a git revision (rendered with its own code) with the working tree',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('base', { type: 'string', describe: 'Revision to compare with [default: merge base of HEAD with the main branch]' })
      .option('format', { choices: ['text', 'markdown'] as const, default: 'text' as const, describe: 'markdown: a pull-request comment' })
      .option('exit-code', { type: 'boolean', default: false, describe: 'Exit 1 when there are differences (errors exit 2)' })
      .option('cluster', { type: 'string', array: true, default: [] as string[], describe: 'Only this cluster (repeatable)' })
      .option('base-dir', { type: 'string', describe: 'Use this rendered folder as the base instead of rendering --base' })
      .option('head-dir', { type: 'string', describe: 'Use this rendered folder instead of rendering the working tree' })
      .option('output', { type: 'string', describe: 'Also write the report to this file' })
      // The diff's render child (src/diff/render-stream.ts): render the config to stdout, compare nothing.
      .option('render-stream', { type: 'boolean', default: false, hidden: true })
      // With --render-stream: render only these clusters (all are still loaded and checked).
      .option('render-only', { type: 'string', array: true, hidden: true })
      .conflicts('base', 'base-dir')
      .example('$0 diff', 'what this branch changes, compared with the main branch')
      .example('$0 diff --base HEAD --exit-code', 'uncommitted changes; exit 1 if any')
      .example('$0 diff --format markdown --output diff.md', 'a pull-request comment') as unknown as Argv<DiffArgs>,
  // cli.ts uses a returned number as the exit code; yargs' type says void, hence the cast.
  handler: (async (args: DiffArgs) => {
    if (args['render-stream']) return renderStream(args);
    const { runDiff } = await import('../diff/run.ts');
    const { progress } = await import('../progress.ts');
    const status = progress('diff', { quiet: args.quiet });
    // Rendering the base revision with its own code takes seconds; say so on a terminal.
    status.step(args['base-dir'] && args['head-dir'] ? 'comparing' : `rendering ${args['base-dir'] ? 'the working tree' : `${args.base ?? 'the merge base'} and the working tree`}`);
    try {
      const { report, output } = await runDiff({
        base: args.base,
        baseDir: args['base-dir'],
        headDir: args['head-dir'],
        format: args.format,
        config: args.config,
        clusters: args.cluster,
      });
      status.done();
      process.stdout.write(output);
      if (args.output) writeFileSync(args.output, output);
      return args['exit-code'] && report.hasChanges ? 1 : 0;
    } catch (err) {
      // Errors exit 2, so `--exit-code` keeps 1 for "there are differences".
      status.done();
      reportFailure(err);
      return 2;
    }
  }) as unknown as CommandModule<GlobalArgs, DiffArgs>['handler'],
};
