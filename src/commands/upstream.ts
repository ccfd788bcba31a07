import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from './common.ts';

interface UpstreamArgs extends GlobalArgs {
  readonly action: 'pin';
  readonly chart: string;
  readonly 'chart-version': string;
}

export const upstreamCommand: CommandModule<GlobalArgs, UpstreamArgs> = {
  command: 'upstream <action> <chart> <chart-version>',
  describe: "Pin a chart version's upstream data (Chart.yaml, values.yaml, values.schema.json, CRDs) into upstream/ for validate",
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('action', { choices: ['pin'] as const, describe: "pin: download the chart from its add-on's Helm repository and record it in upstream/pinned.json" })
      .positional('chart', { type: 'string', demandOption: true, describe: 'Chart name, as an add-on uses it (e.g. metrics-server)' })
      .positional('chart-version', { type: 'string', demandOption: true, describe: 'Exact chart version (e.g. 3.13.2)' })
      .example('$0 upstream pin metrics-server 3.13.2', 'adds upstream/charts/metrics-server/3.13.2/; commit it with the version bump') as unknown as Argv<UpstreamArgs>,
  handler: async (args) => {
    const { pinChart, pinnedFolder } = await import('../upstream/pin.ts');
    const { ADDONS } = await import('../../charts/registry.ts');
    const row = await pinChart({ chart: String(args.chart), version: String(args['chart-version']), projectDir: PROJECT_ROOT, addons: ADDONS });
    console.log(`${row.chart} ${row.version}: ${Object.keys(row.files).length} files -> ${pinnedFolder(PROJECT_ROOT, row)} (archive ${row.url}, sha256 ${row.sha256}); commit upstream/, then run validate`);
  },
};
