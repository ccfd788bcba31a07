import { relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from './common.ts';

interface FactsArgs extends GlobalArgs {
  readonly action: 'pull';
  readonly cluster: string;
  readonly region?: string;
  readonly profile?: string;
}

export const factsCommand: CommandModule<GlobalArgs, FactsArgs> = {
  command: 'facts <action>',
  describe: "Pull a cluster's facts from SSM Parameter Store (what the bootstrap published) into config/facts/<cluster>.yaml",
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('action', { choices: ['pull'] as const, describe: 'pull: read /<cluster>/facts and write the facts file' })
      .option('cluster', { type: 'string', demandOption: true, describe: 'Cluster name (a file in config/clusters)' })
      .option('region', { type: 'string', describe: "AWS region of the parameters (default: the cluster's aws.region)" })
      .option('profile', { type: 'string', describe: 'AWS named profile (default: the SDK default credential chain)' })
      .example('$0 facts pull --cluster dev --profile dev-admin', 'write config/facts/dev.yaml from /dev/facts/* in SSM') as unknown as Argv<FactsArgs>,
  handler: async (args) => {
    const { factsTarget, pullFacts } = await import('../facts.ts');
    const found = factsTarget(resolve(PROJECT_ROOT, args.config), args.cluster);
    const target = args.region ? { ...found, region: args.region } : found;
    const result = await pullFacts({ target, profile: args.profile });
    const file = relative(process.cwd(), result.file) || result.file;
    if (!args.quiet) console.log(`${args.cluster}: ${result.parameters} parameters -> ${file} (${result.changed ? 'updated' : 'unchanged'}); commit it, then run synth`);
  },
};
