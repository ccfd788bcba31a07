import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { PROJECT_ROOT } from '../paths.ts';
import type { GlobalArgs } from './common.ts';

interface BootstrapArgs extends GlobalArgs {
  readonly action: 'render' | 'plan' | 'deploy' | 'gitops';
  readonly cluster: string[];
  readonly out: string;
  readonly yes: boolean;
  /** `--allow-replace`; yargs also sets the camel-case key. */
  readonly 'allow-replace': boolean;
  readonly allowReplace: boolean;
  readonly profile?: string;
  readonly region?: string;
  /** gitops: print the steps, run nothing. */
  readonly 'dry-run': boolean;
  readonly dryRun: boolean;
  /** gitops: kubeconfig context. */
  readonly 'kube-context'?: string;
  readonly kubeContext?: string;
}

/** Where synth writes a cluster's bootstrap template, relative to `dist/<cluster>/`. */
export const TEMPLATE_FILE = 'aws/cloudformation.json';

export const bootstrapCommand: CommandModule<GlobalArgs, BootstrapArgs> = {
  command: 'bootstrap <action>',
  describe: 'AWS bootstrap stack (EKS, IAM, Fargate, EFS) as CloudFormation: render, plan or deploy; then gitops: install Argo CD and the root app',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('action', {
        choices: ['render', 'plan', 'deploy', 'gitops'] as const,
        describe: 'render: write and check the templates (part of synth); plan/deploy: through a change set; gitops: install Argo CD as its committed Application renders it, then the root AppProject and Application (helm, kubectl)',
      })
      .option('cluster', { type: 'string', array: true, default: [] as string[], describe: 'Cluster name (plan/deploy/gitops: exactly one; render: repeatable, default all)' })
      .option('out', { type: 'string', default: 'dist', describe: 'Output folder holding <cluster>/aws/cloudformation.json' })
      .option('yes', { type: 'boolean', default: false, describe: 'deploy without asking for confirmation (not when the plan replaces or removes the cluster, EFS or KMS key; see --allow-replace)' })
      .option('allow-replace', {
        type: 'boolean',
        default: false,
        describe: 'with --yes: also execute a plan that replaces or removes the cluster, the EFS file system or the KMS key (their data is lost)',
      })
      .option('profile', { type: 'string', describe: 'AWS named profile (default: the SDK default credential chain)' })
      .option('region', { type: 'string', describe: "AWS region (default and only allowed value: the cluster's aws.region)" })
      .option('dry-run', { type: 'boolean', default: false, describe: 'gitops: print the helm and kubectl commands it would run, and run nothing' })
      .option('kube-context', { type: 'string', describe: 'gitops: kubeconfig context of the cluster (default: the current context)' })
      .example('$0 bootstrap render', 'render and check every template into dist/')
      .example('$0 bootstrap plan --cluster dev --profile dev-admin', 'show what a deploy would change')
      .example('$0 bootstrap deploy --cluster dev --profile dev-admin', 'apply it after confirmation')
      .example('$0 bootstrap gitops --cluster dev --dry-run', 'show how Argo CD and the root app would be installed')
      .epilog('Details: docs/aws-bootstrap.md; the whole first deploy: docs/first-deploy.md.') as Argv<BootstrapArgs>,
  // Returns the exit code (see src/cli.ts); yargs' type says void.
  handler: (async (args: BootstrapArgs): Promise<number> => {
    const configDir = resolve(PROJECT_ROOT, args.config);
    const outDir = resolve(args.out);
    if (args.action === 'render') return render(configDir, outDir, args.cluster);

    const { BootstrapError } = await import('../../bootstrap/deploy.ts');
    if (args.cluster.length !== 1) throw new BootstrapError(`${args.action} needs exactly one --cluster NAME`);
    const { loadClusters } = await import('../../config/load.ts');
    const { compactTemplate, stackName } = await import('../../bootstrap/template.ts');
    const [cluster] = loadClusters({ configDir, addons: (await import('../../charts/registry.ts')).ADDONS, only: args.cluster });
    if (args.action === 'gitops') {
      const { gitopsPlan } = await import('../gitops/plan.ts');
      const { runPlan } = await import('../gitops/run.ts');
      runPlan(gitopsPlan(cluster, { outDir, kubeContext: args.kubeContext }), { dryRun: args.dryRun });
      return 0;
    }
    if (args.region && args.region !== cluster.aws.region) {
      throw new BootstrapError(`--region ${args.region} differs from aws.region ${cluster.aws.region} in ${cluster.files.config}; the template is rendered for that region`);
    }
    // Deploy exactly what was reviewed: the committed template, and only if it matches the config.
    const file = join(outDir, cluster.name, TEMPLATE_FILE);
    const shown = relative(process.cwd(), file) || file;
    if (!existsSync(file)) throw new BootstrapError(`${shown} does not exist; run \`npm run synth\` and commit it first`);
    const templateBody = compactTemplate(cluster);
    if (JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))) !== templateBody) {
      throw new BootstrapError(`${shown} is stale (it differs from what ${cluster.files.config} renders); run \`npm run synth\`, review and commit it first`);
    }

    const { createAwsClients } = await import('../../bootstrap/aws-clients.ts');
    const { plan, deploy } = await import('../../bootstrap/deploy.ts');
    const { cfn, iam } = await createAwsClients({ region: cluster.aws.region, profile: args.profile });
    const deps = {
      cfn,
      iam,
      log: (line: string) => console.log(line),
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      now: () => new Date(),
      confirm: askYesNo,
    };
    const target = { stackName: stackName(cluster), clusterName: cluster.name, accountId: cluster.aws.accountId, region: cluster.aws.region, templateBody };
    if (args.action === 'plan') {
      await plan(deps, target);
      return 0;
    }
    const outcome = await deploy(deps, target, { yes: args.yes, allowReplace: args.allowReplace });
    if (outcome === 'deployed') {
      console.log(`Next: \`npm run facts -- pull --cluster ${cluster.name}\`, commit config/facts/${cluster.name}.yaml, \`npm run synth\`, commit and push, then \`npm run bootstrap -- gitops --cluster ${cluster.name}\` (docs/first-deploy.md).`);
    }
    return outcome === 'cancelled' ? 1 : 0;
  }) as unknown as CommandModule<GlobalArgs, BootstrapArgs>['handler'],
};

async function render(configDir: string, outDir: string, clusters: readonly string[]): Promise<number> {
  const { synth } = await import('../synth.ts');
  const { templateProblems } = await import('../../bootstrap/checks.ts');
  const result = await synth({ configDir, outDir, clusters, keepFiles: true });
  let failed = 0;
  for (const c of result.clusters) {
    const text = c.files?.get(TEMPLATE_FILE);
    if (!text) {
      console.error(`${c.name}: no ${TEMPLATE_FILE} rendered (is the bootstrap wired into src/render.ts?)`);
      failed++;
      continue;
    }
    const problems = await templateProblems(JSON.parse(text));
    for (const p of problems) console.error(`${c.name}: ${TEMPLATE_FILE}: ${p.path}: ${p.message}`);
    if (problems.length > 0) failed++;
    else console.log(`${c.name}: ${TEMPLATE_FILE} written; ${Object.keys(JSON.parse(text).Resources).length} resources; CloudFormation spec and IAM checks passed`);
  }
  return failed > 0 ? 1 : 0;
}

async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error(`${question} — no terminal to ask on; pass --yes to deploy non-interactively.`);
    return false;
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
