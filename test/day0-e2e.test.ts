/**
 * Day 0, end to end, through the real CLI commands (src/cli.ts `main`, in-process so the AWS mocks apply): a
 * brand-new cluster file copied from the dev fixture → synth (bootstrap template only) → `bootstrap deploy`
 * (CloudFormation mocked; stack outputs derived from the rendered template) → `facts pull` (SSM mocked, answering
 * the parameters the stack publishes) → synth (full) → validate (0 problems) → `bootstrap gitops` (helm and kubectl
 * stand-ins): the steps of the README's "First deploy", each checked against what it hands on to the next.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CfnTemplate } from '../bootstrap/cfn.ts';
import { main } from '../src/cli.ts';
import { PROJECT_ROOT, upstreamDir } from '../src/paths.ts';
import { newCluster, tempConfig, tempDir } from './helpers.ts';
import { calls, standIns } from './stand-ins.ts';

const cfnMock = mockClient(CloudFormationClient);
const iamMock = mockClient(IAMClient);
const ssmMock = mockClient(SSMClient);
const NAME = 'staging';
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${NAME}-platform-bootstrap/abc`;
const ENDPOINT = `https://0123456789ABCDEF0123456789ABCDEF.gr7.${REGION}.eks.amazonaws.com`;
const ISSUER = `https://oidc.eks.${REGION}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What CloudFormation would resolve a template value to once the stack exists: plausible physical ids for Ref and
 * Fn::GetAtt (names from the resources' own properties), Fn::Select/Fn::Split evaluated.
 */
function resolveValue(template: CfnTemplate, value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v.Ref) return physical(template, v.Ref);
  if (v['Fn::GetAtt']) return physical(template, v['Fn::GetAtt'][0], v['Fn::GetAtt'][1]);
  if (v['Fn::Select']) {
    const [index, list] = v['Fn::Select'];
    const [sep, of] = list['Fn::Split'];
    return resolveValue(template, of).split(sep)[index];
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function physical(template: CfnTemplate, id: string, attr?: string): string {
  const r = template.Resources[id];
  const p = r.Properties as Json;
  switch (`${r.Type}${attr ? `.${attr}` : ''}`) {
    case 'AWS::EKS::Cluster':
      return p.Name;
    case 'AWS::EKS::Cluster.Endpoint':
      return ENDPOINT;
    case 'AWS::EKS::Cluster.OpenIdConnectIssuerUrl':
      return ISSUER;
    case 'AWS::EKS::Cluster.ClusterSecurityGroupId':
      return 'sg-0123456789abcdef0';
    case 'AWS::EFS::FileSystem':
      return 'fs-0a1b2c3d4e5f60909';
    case 'AWS::SQS::Queue.QueueName':
      return p.QueueName;
    case 'AWS::IAM::Role':
      return p.RoleName;
    case 'AWS::IAM::Role.Arn':
      return `arn:aws:iam::${ACCOUNT}:role${p.Path ?? '/'}${p.RoleName}`;
    default:
      throw new Error(`no physical value for ${id} ${attr ?? ''}`);
  }
}

let out: string[];
const saved = { ...process.env };

beforeEach(() => {
  out = [];
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  const home = tempDir('day0-aws-');
  // Static test credentials, no shared files, no instance metadata: nothing real is reachable or used.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-secret',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    PLATFORM_UPSTREAM: upstreamDir(),
  });
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' ')));
});

afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
  vi.useRealTimers();
  cfnMock.reset();
  iamMock.reset();
  ssmMock.reset();
});

/**
 * The commands of the README's "First deploy" block that this test runs, as `npm run X -- Y` reads there: the script
 * and its subcommand (`bootstrap deploy`), or the script alone (`synth`). The README test below checks the block
 * against this list, and the day-0 test that it runs exactly these, so neither can drift from the other.
 */
const FIRST_DEPLOY = ['bootstrap deploy', 'facts pull', 'synth', 'validate', 'bootstrap gitops'] as const;
type FirstDeployCommand = (typeof FIRST_DEPLOY)[number];
const ran = new Set<FirstDeployCommand>();

/** Runs a CLI command (`command` as FIRST_DEPLOY names it, then its arguments); the bootstrap's 5-second polls run on fake time. */
async function cli(command: FirstDeployCommand, args: string[]): Promise<number> {
  ran.add(command);
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  let done = false;
  const run = main([...command.split(' '), ...args]).finally(() => (done = true));
  while (!done) await vi.advanceTimersByTimeAsync(5000);
  vi.useRealTimers();
  return run;
}

describe('day 0 for a brand-new cluster', () => {
  it('goes from a copied cluster file to an installed Argo CD and root Application through synth, bootstrap deploy, facts pull, synth, validate, bootstrap gitops', async () => {
    const config = tempConfig();
    newCluster(config, NAME);
    const dist = tempDir('day0-dist-');
    const common = ['--config', config];

    // 1. synth: the new cluster renders its bootstrap template only, and says what to run next.
    expect(await cli('synth', [...common, '--out', dist])).toBe(0);
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${NAME}: waiting for facts: run npm run bootstrap -- deploy --cluster ${NAME}, then npm run facts -- pull --cluster ${NAME}`)));
    expect(existsSync(join(dist, NAME, 'apps'))).toBe(false);
    const template = JSON.parse(readFileSync(join(dist, NAME, 'aws', 'cloudformation.json'), 'utf8')) as CfnTemplate;

    // 2. bootstrap deploy: a new stack, created, then its deletion protection turned on; outputs from the template.
    const outputs = Object.entries(template.Outputs).map(([OutputKey, o]) => ({ OutputKey, OutputValue: resolveValue(template, o.Value) }));
    const stack = (status: string): Stack => ({ StackName: `${NAME}-platform-bootstrap`, StackId: STACK_ID, StackStatus: status as Stack['StackStatus'], CreationTime: new Date(0), Outputs: outputs });
    iamMock.on(GetRoleCommand).resolves({ Role: { RoleName: 'AWSServiceRoleForEC2Spot', Path: '/', Arn: 'x', RoleId: 'x', CreateDate: new Date(0) } });
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(Object.assign(new Error(`Stack with id ${NAME}-platform-bootstrap does not exist`), { name: 'ValidationError' }))
      .resolvesOnce({ Stacks: [stack('CREATE_COMPLETE')] })
      .resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:changeSet/cs/def`, StackId: STACK_ID });
    const add = Object.entries(template.Resources).map(([id, r]) => ({ Type: 'Resource' as const, ResourceChange: { Action: 'Add' as const, LogicalResourceId: id, ResourceType: r.Type } }));
    const protect = [{ Type: 'Resource' as const, ResourceChange: { Action: 'Modify' as const, Replacement: 'False' as const, LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }];
    cfnMock.on(DescribeChangeSetCommand).resolvesOnce({ Status: 'CREATE_COMPLETE', Changes: add }).resolves({ Status: 'CREATE_COMPLETE', Changes: protect });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });
    expect(await cli('bootstrap deploy', [...common, '--out', dist, '--cluster', NAME, '--yes'])).toBe(0);
    // The template CloudFormation got is the committed one, compact.
    const sent = cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    expect(JSON.parse(sent.TemplateBody!)).toEqual(template);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(2);
    expect(out).toContain(`Next: \`npm run facts -- pull --cluster ${NAME}\`, commit config/facts/${NAME}.yaml, \`npm run synth\`, commit and push, then \`npm run bootstrap -- gitops --cluster ${NAME}\` (docs/first-deploy.md).`);

    // 3. facts pull: SSM answers exactly the parameters the stack publishes.
    const parameters = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::SSM::Parameter')
      .map((r) => ({ Name: (r.Properties as Json).Name, Type: 'String' as const, Value: resolveValue(template, (r.Properties as Json).Value) }));
    expect(parameters.length).toBeGreaterThan(4);
    ssmMock.on(GetParametersByPathCommand, { Path: `/${NAME}/facts` }).resolves({ Parameters: parameters });
    expect(await cli('facts pull', [...common, '--cluster', NAME])).toBe(0);
    const facts = load(readFileSync(join(config, 'facts', `${NAME}.yaml`), 'utf8')) as Json;
    expect(facts).toMatchObject({ efsFileSystemId: 'fs-0a1b2c3d4e5f60909', oidcProvider: ISSUER.replace('https://', ''), clusterEndpoint: ENDPOINT });
    expect(facts.roleArns['alb-controller']).toBe(`arn:aws:iam::${ACCOUNT}:role/${NAME}-alb-controller`);

    // 4. synth again: the full output, the same bootstrap template.
    out.length = 0;
    expect(await cli('synth', [...common, '--out', dist, '--cluster', NAME])).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^${NAME}: \\d+ applications, \\d+ objects;`));
    expect(JSON.parse(readFileSync(join(dist, NAME, 'aws', 'cloudformation.json'), 'utf8'))).toEqual(template);
    const root = load(readFileSync(join(dist, NAME, 'bootstrap', `application_argocd_${NAME}-root.yaml`), 'utf8')) as Json;
    expect(root.spec.source.path).toBe(`dist/${NAME}/apps`);
    expect(existsSync(join(dist, NAME, 'apps', `application_argocd_${NAME}-karpenter.yaml`))).toBe(true);

    // 5. validate: 0 problems.
    out.length = 0;
    expect(await cli('validate', [dist, ...common, '--cache-dir', tempDir('day0-cache-')])).toBe(0);
    expect(out.join('\n')).toMatch(/validate: 3 clusters, .*: 0 problems/);

    // 6. bootstrap gitops, with helm and kubectl stand-ins whose kubeconfig points at the endpoint the facts hold.
    const log = join(tempDir('day0-gitops-'), 'calls.jsonl');
    Object.assign(process.env, { PATH: standIns(), STANDIN_LOG: log, STANDIN_SERVER: facts.clusterEndpoint });
    expect(await cli('bootstrap gitops', [...common, '--out', dist, '--cluster', NAME])).toBe(0);
    const made = calls(log);
    expect(made.map((c) => `${c.tool} ${c.argv[0]}`)).toEqual(['kubectl config', 'kubectl get', 'helm upgrade', 'kubectl apply']);
    // Helm installs Argo CD as its rendered Application does: same release, chart, version and values.
    const argocd = (load(readFileSync(join(dist, NAME, 'apps', `application_argocd_${NAME}-argo-cd.yaml`), 'utf8')) as Json).spec.source;
    const helm = made[2];
    expect(helm.argv.slice(0, 8)).toEqual(['upgrade', '--install', argocd.helm.releaseName, argocd.chart, '--repo', argocd.repoURL, '--version', argocd.targetRevision]);
    expect(load(helm.stdin)).toEqual(argocd.helm.valuesObject);
    // The root AppProject and root Application that kubectl applies are byte-for-byte the files synth wrote.
    const apply = made[3];
    expect(apply.argv.slice(0, 2)).toEqual(['apply', '--server-side']);
    const rootFiles = [join(dist, NAME, 'apps', `appproject_argocd_${NAME}-root.yaml`), join(dist, NAME, 'bootstrap', `application_argocd_${NAME}-root.yaml`)];
    expect(Object.entries(apply.files).map(([path, text]) => [resolve(path), text])).toEqual(rootFiles.map((f) => [f, readFileSync(f, 'utf8')]));

    // Every command of the README's First deploy ran.
    expect([...ran].sort()).toEqual([...FIRST_DEPLOY].sort());
  }, 120_000);
});

describe('the README\'s "First deploy" block', () => {
  it('lists each command once, in the order the day-0 test runs them', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /^## First deploy\n[\s\S]*?^```sh\n([\s\S]*?)^```$/m.exec(readme);
    if (!block) throw new Error('README.md: no ```sh block under "## First deploy"');
    const lines = block[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    const npm: string[] = [];
    for (const line of lines) {
      const m = /^npm run (\S+)(?: -- (.*))?$/.exec(line);
      if (m) {
        // `npm run X -- Y --flag …` is command "X Y": the script and the words before the first option.
        const words = (m[2] ?? '').split(/\s+/).filter(Boolean);
        const firstOption = words.findIndex((w) => w.startsWith('-'));
        const sub = firstOption < 0 ? words : words.slice(0, firstOption);
        npm.push([m[1], ...sub].join(' '));
      } else {
        // Exempt: git (commit and push to the user's remote) and kubectl (the live cluster's Applications) act outside
        // this repository, so no test can run them; anything else in the block must be one of the npm commands.
        expect(line).toMatch(/^(git|kubectl) /);
      }
    }
    expect(npm).toEqual([...FIRST_DEPLOY]);
  });
});
