import { cpSync } from 'node:fs';
import { FIXTURE_CONFIG, tempDir } from './helpers.ts';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BootstrapError, deploy, plan, type BootstrapDeps, type StackTarget } from '../bootstrap/deploy.ts';
import { createAwsClients } from '../bootstrap/aws-clients.ts';
import { main } from '../src/cli.ts';

const cfnMock = mockClient(CloudFormationClient);
const iamMock = mockClient(IAMClient);
const STACK = 'dev-platform-bootstrap';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:111111111111:stack/${STACK}/abc`;
const CS_ID = `arn:aws:cloudformation:eu-west-1:111111111111:changeSet/bootstrap-1/def`;
const target: StackTarget = {
  stackName: STACK,
  clusterName: 'dev',
  accountId: '111111111111',
  region: 'eu-west-1',
  templateBody: JSON.stringify({ Resources: { KmsKey: { Type: 'AWS::KMS::Key' }, Cluster: { Type: 'AWS::EKS::Cluster' } } }),
};
const T0 = Date.parse('2030-01-01T00:00:00Z');
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const notFound = () => awsError('ValidationError', `Stack with id ${STACK} does not exist`);
const stack = (status: string, extra: Partial<Stack> = {}): Stack => ({ StackName: STACK, StackId: STACK_ID, StackStatus: status as Stack['StackStatus'], CreationTime: new Date(T0), ...extra });
const event = (id: string, logicalId: string, status: string, reason?: string, type = 'AWS::EKS::Cluster', token = 'tok-1') => ({
  EventId: id,
  ClientRequestToken: token,
  StackId: STACK_ID,
  StackName: STACK,
  LogicalResourceId: logicalId,
  ResourceType: type,
  ResourceStatus: status as never,
  ResourceStatusReason: reason,
  Timestamp: new Date(T0 + 3_600_000),
});

let logs: string[];
let sleeps: number[];
let confirms: string[];
let answer: boolean;

function deps(): BootstrapDeps {
  let clock = T0;
  let executions = 0;
  return {
    requestToken: () => `tok-${++executions}`,
    cfn: new CloudFormationClient({ region: 'eu-west-1' }),
    iam: new IAMClient({ region: 'eu-west-1' }),
    log: (l) => logs.push(l),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => new Date((clock += 1000)),
    confirm: async (q) => {
      confirms.push(q);
      return answer;
    },
    pollMs: 10,
  };
}

beforeEach(() => {
  cfnMock.reset();
  iamMock.reset();
  logs = [];
  sleeps = [];
  confirms = [];
  answer = true;
  cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID });
  cfnMock.on(DeleteChangeSetCommand).resolves({});
  cfnMock.on(DeleteStackCommand).resolves({});
  cfnMock.on(ExecuteChangeSetCommand).resolves({});
  cfnMock.on(UpdateTerminationProtectionCommand).resolves({ StackId: STACK_ID });
  iamMock.on(GetRoleCommand).resolves({ Role: { RoleName: 'AWSServiceRoleForEC2Spot', Path: '/', Arn: 'x', RoleId: 'x', CreateDate: new Date(T0) } });
});


/** A change set that replaces the EKS cluster because `property` changed. */
function clusterReplacement(property: string) {
  return {
    Status: 'CREATE_COMPLETE' as const,
    Changes: [
      {
        Type: 'Resource' as const,
        ResourceChange: {
          Action: 'Modify' as const,
          Replacement: 'True' as const,
          LogicalResourceId: 'Cluster',
          ResourceType: 'AWS::EKS::Cluster',
          Details: [{ Target: { Attribute: 'Properties' as const, Name: property, RequiresRecreation: 'Always' as const } }],
        },
      },
    ],
  };
}
describe('bootstrap deploy', () => {
  it('creates a new stack: CREATE change set, Spot role parameter from iam:GetRole, events, termination protection', async () => {
    iamMock.on(GetRoleCommand).rejects(awsError('NoSuchEntityException'));
    const created = { Parameters: [{ ParameterKey: 'SpotServiceLinkedRoleExists', ParameterValue: 'false' }, { ParameterKey: 'ClusterDeletionProtection', ParameterValue: 'false' }] };
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(notFound())
      .resolvesOnce({ Stacks: [stack('CREATE_IN_PROGRESS')] })
      .resolvesOnce({ Stacks: [stack('CREATE_COMPLETE', created)] })
      .resolves({ Stacks: [stack('UPDATE_COMPLETE', { Outputs: [{ OutputKey: 'ClusterName', OutputValue: 'dev' }] })] });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_PENDING' })
      .resolvesOnce({
        Status: 'CREATE_COMPLETE',
        Changes: [
          { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'KmsKey', ResourceType: 'AWS::KMS::Key' } },
          { Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } },
        ],
      })
      // The second change set: only the deletion-protection parameter differs.
      .resolves({
        Status: 'CREATE_COMPLETE',
        Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', Replacement: 'False', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }],
      });
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [event('e1', 'Cluster', 'CREATE_IN_PROGRESS')] })
      .resolvesOnce({ StackEvents: [event('e2', 'Cluster', 'CREATE_COMPLETE'), event('e1', 'Cluster', 'CREATE_IN_PROGRESS')] })
      .resolves({ StackEvents: [event('p1', 'Cluster', 'UPDATE_COMPLETE', undefined, 'AWS::EKS::Cluster', 'tok-2'), event('e2', 'Cluster', 'CREATE_COMPLETE')] });

    await expect(deploy(deps(), target)).resolves.toBe('deployed');
    const [create, protect] = cfnMock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input);
    expect(create).toMatchObject({
      StackName: STACK,
      ChangeSetType: 'CREATE',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      // Unprotected during the first create, so that a failure can roll back (EKS will not delete a protected cluster).
      Parameters: [
        { ParameterKey: 'SpotServiceLinkedRoleExists', ParameterValue: 'false' },
        { ParameterKey: 'ClusterDeletionProtection', ParameterValue: 'false' },
      ],
      TemplateBody: target.templateBody,
    });
    expect(protect).toMatchObject({
      ChangeSetType: 'UPDATE',
      TemplateBody: target.templateBody,
      Parameters: [
        { ParameterKey: 'SpotServiceLinkedRoleExists', ParameterValue: 'false' },
        { ParameterKey: 'ClusterDeletionProtection', ParameterValue: 'true' },
      ],
    });
    expect(confirms).toEqual(['Execute this change set?']);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand).map((c) => c.args[0].input.ClientRequestToken)).toEqual(['tok-1', 'tok-2']);
    expect(logs.filter((l) => /UPDATE_COMPLETE +Cluster/.test(l))).toHaveLength(1);
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)[0].args[0].input).toEqual({ StackName: STACK_ID, EnableTerminationProtection: true });
    expect(logs.filter((l) => /CREATE_(IN_PROGRESS|COMPLETE) +Cluster/.test(l))).toHaveLength(2); // each event printed once
    expect(logs).toContain('  + add         KmsKey   AWS::KMS::Key');
    expect(logs).toContain('  ClusterName = dev');
  });

  it('updates an existing stack and keeps the Spot role it created (no iam:GetRole)', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_COMPLETE', { EnableTerminationProtection: true, Parameters: [{ ParameterKey: 'SpotServiceLinkedRoleExists', ParameterValue: 'false' }] })] })
      .resolves({ Stacks: [stack('UPDATE_COMPLETE', { EnableTerminationProtection: true })] });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [{ Type: 'Resource', ResourceChange: { Action: 'Modify', Replacement: 'False', LogicalResourceId: 'AddonCoreDns', ResourceType: 'AWS::EKS::Addon' } }],
    });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        event('u1', STACK, 'UPDATE_COMPLETE', undefined, 'AWS::CloudFormation::Stack'),
        // An earlier operation's event, stamped "later" than this machine's clock: not this run's, so not printed.
        { ...event('old', 'KmsKey', 'UPDATE_FAILED', 'from last week', 'AWS::KMS::Key', 'tok-earlier'), Timestamp: new Date(T0 + 86_400_000) },
      ],
    });
    await expect(deploy(deps(), target, { yes: true })).resolves.toBe('deployed');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)[0].args[0].input).toEqual({ ChangeSetName: CS_ID, StackName: STACK_ID, ClientRequestToken: 'tok-1' });
    expect(logs.some((l) => l.includes('from last week'))).toBe(false);
    expect(logs.filter((l) => l.includes('UPDATE_COMPLETE'))).toHaveLength(2); // the event, and the final status line
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input).toMatchObject({
      ChangeSetType: 'UPDATE',
      Parameters: [{ ParameterValue: 'false' }, { ParameterKey: 'ClusterDeletionProtection', ParameterValue: 'true' }],
    });
    expect(iamMock.commandCalls(GetRoleCommand)).toHaveLength(0);
    expect(confirms).toEqual([]);
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0); // already on
  });

  it('handles a no-change change set: deletes it, executes nothing, turns termination protection on', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set." });
    await expect(deploy(deps(), target)).resolves.toBe('no-changes');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(1);
    expect(logs).toContain('  no changes');
    expect(iamMock.commandCalls(GetRoleCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input.Parameters).toEqual([
      { ParameterKey: 'SpotServiceLinkedRoleExists', ParameterValue: 'true' },
      { ParameterKey: 'ClusterDeletionProtection', ParameterValue: 'true' },
    ]);
  });

  it('flags replacement of the cluster loudly and executes nothing when the user declines', async () => {
    answer = false;
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves(clusterReplacement('Name'));
    await expect(deploy(deps(), target)).resolves.toBe('cancelled');
    expect(logs).toContain(
      '!!! Cluster (AWS::EKS::Cluster) would be REPLACED (because of Name): a new one starts empty; workloads and data on the old one are lost or orphaned.',
    );
    expect(logs).toContain('  ! replace     Cluster  AWS::EKS::Cluster  [Name]');
    expect(confirms[0]).toMatch(/REPLACES OR REMOVES STATEFUL RESOURCES/);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
  });

  it('does not let --yes replace the cluster without --allow-replace', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE', { EnableTerminationProtection: true })] });
    cfnMock.on(DescribeChangeSetCommand).resolves(clusterReplacement('Name'));
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(deploy(deps(), target, { yes: true })).rejects.toThrow(
      'the plan replaces or removes stateful resources (see above) and --yes does not approve that; nothing was changed. Allowed: add --allow-replace, or run without --yes and confirm',
    );
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);

    await expect(deploy(deps(), target, { yes: true, allowReplace: true })).resolves.toBe('deployed');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
    expect(confirms).toEqual([]);
  });

  it('refuses a change of clusterCreatorAdmin (replacement of the cluster by AccessConfig), in plan and deploy, even with --allow-replace', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves(clusterReplacement('AccessConfig'));
    const refusal = /bootstrap\.clusterCreatorAdmin \(BootstrapClusterCreatorAdminPermissions\) is create-time only and EKS cannot change it on an existing cluster; allowed: its value at create time/;
    await expect(plan(deps(), target)).rejects.toThrow(refusal);
    await expect(deploy(deps(), target, { yes: true, allowReplace: true })).rejects.toThrow(refusal);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(2);
  });

  it('refuses a replacement of the cluster by ResourcesVpcConfig (subnets, the endpoint security group), even with --allow-replace', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves(clusterReplacement('ResourcesVpcConfig'));
    const refusal = /Cluster would be replaced because ResourcesVpcConfig changed: .* create-time only .*; allowed: the values at create time \(change who reaches the endpoint with bootstrap\.endpoint\.privateAccessFrom/;
    await expect(plan(deps(), target)).rejects.toThrow(refusal);
    await expect(deploy(deps(), target, { yes: true, allowReplace: true })).rejects.toThrow(refusal);
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('fails with the reasons from the stack events (not the cancellations)', async () => {
    cfnMock.on(DescribeStacksCommand).rejectsOnce(notFound()).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [{ ResourceChange: { Action: 'Add', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }] });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        event('f3', 'KmsKey', 'DELETE_COMPLETE', undefined, 'AWS::KMS::Key'),
        event('f2', 'KmsKey', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::KMS::Key'),
        event('f1', 'Cluster', 'CREATE_FAILED', 'Resource handler returned message: "Subnets specified must be in at least two different AZs"'),
      ],
    });
    const err = await deploy(deps(), target, { yes: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootstrapError);
    expect((err as Error).message).toBe(
      `stack ${STACK} ended in ROLLBACK_COMPLETE.\nFailure reasons:\n  Cluster (AWS::EKS::Cluster): Resource handler returned message: "Subnets specified must be in at least two different AZs"\n` +
        'The first create rolled back; run deploy again after fixing the cause (it deletes and recreates the stack).',
    );
    expect(cfnMock.commandCalls(UpdateTerminationProtectionCommand)).toHaveLength(0);
  });

  it('deletes a stack in ROLLBACK_COMPLETE before creating it again', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE')] })
      .resolvesOnce({ Stacks: [stack('DELETE_IN_PROGRESS')] })
      .resolvesOnce({ Stacks: [stack('DELETE_COMPLETE')] })
      .resolves({ Stacks: [stack('CREATE_COMPLETE')] });
    cfnMock
      .on(DescribeChangeSetCommand)
      .resolvesOnce({ Status: 'CREATE_COMPLETE', Changes: [{ ResourceChange: { Action: 'Add', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }] })
      .resolves({ Status: 'CREATE_COMPLETE', Changes: [{ ResourceChange: { Action: 'Modify', Replacement: 'False', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }] });
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    await expect(deploy(deps(), target)).resolves.toBe('deployed');
    expect(confirms[0]).toBe(`Delete stack ${STACK} and create it again?`);
    expect(cfnMock.commandCalls(DeleteStackCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
    expect(cfnMock.commandCalls(CreateChangeSetCommand)[0].args[0].input.ChangeSetType).toBe('CREATE');
  });

  it('backs off exponentially while AWS throttles', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE', { EnableTerminationProtection: true })] });
    cfnMock
      .on(CreateChangeSetCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolves({ Id: CS_ID, StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'No updates are to be performed.' });
    await expect(deploy(deps(), target)).resolves.toBe('no-changes');
    expect(sleeps.slice(0, 2)).toEqual([1000, 2000]);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(3);
    expect(logs.some((l) => l.includes('throttled on CreateChangeSet; retrying in 2s, attempt 3/8'))).toBe(true);
  });

  it('gives up after the maximum attempts of throttling', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(deploy({ ...deps(), maxAttempts: 3 }, target)).rejects.toThrow('Rate exceeded');
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('refuses a stack that is busy, and credentials of another account', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });
    await expect(deploy(deps(), target)).rejects.toThrow(`stack ${STACK} is busy (UPDATE_IN_PROGRESS); wait for it to finish and run again`);

    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: CS_ID, StackId: STACK_ID.replace('111111111111', '999999999999') });
    await expect(deploy(deps(), target)).rejects.toThrow(
      'the credentials reach account 999999999999, but cluster dev lives in account 111111111111 (aws.accountId); use --profile for the right account',
    );
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(1); // the empty REVIEW_IN_PROGRESS stack
  });
});

describe('bootstrap plan', () => {
  it('prints the changes and leaves nothing behind (change set and empty new stack deleted)', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(notFound());
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [{ ResourceChange: { Action: 'Add', LogicalResourceId: 'Cluster', ResourceType: 'AWS::EKS::Cluster' } }],
      NextToken: 'page2',
    });
    cfnMock.on(DescribeChangeSetCommand, { ChangeSetName: CS_ID, StackName: STACK_ID, NextToken: 'page2' }).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [{ ResourceChange: { Action: 'Add', LogicalResourceId: 'KmsKey', ResourceType: 'AWS::KMS::Key' } }],
    });
    const result = await plan(deps(), target);
    expect(result.changes.map((c) => c.logicalId)).toEqual(['Cluster', 'KmsKey']);
    expect(logs).toContain('2 changes: 2 to add, 0 to modify, 0 to replace, 0 to remove.');
    expect(cfnMock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(DeleteStackCommand)[0].args[0].input).toEqual({ StackName: STACK_ID });
  });

  it('warns about removing the file system', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [{ ResourceChange: { Action: 'Remove', LogicalResourceId: 'EfsFileSystem', ResourceType: 'AWS::EFS::FileSystem' } }],
    });
    const result = await plan(deps(), target);
    expect(result.warnings).toEqual(['!!! EfsFileSystem (AWS::EFS::FileSystem) would be REMOVED: a new one starts empty; workloads and data on the old one are lost or orphaned.']);
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('explains ROLLBACK_COMPLETE without creating a change set', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    const result = await plan(deps(), target);
    expect(logs[0]).toMatch(/is in ROLLBACK_COMPLETE: its first create failed\. `bootstrap deploy` will delete it and create it again\./);
    expect(result.changes.map((c) => `${c.action} ${c.logicalId}`)).toEqual(['add KmsKey', 'add Cluster']);
    expect(cfnMock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('fails when the change set itself fails, with its reason', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'FAILED', StatusReason: 'Parameters: [SpotServiceLinkedRoleExists] must have values' });
    await expect(plan(deps(), target)).rejects.toThrow('change set failed: Parameters: [SpotServiceLinkedRoleExists] must have values');
  });
});

describe('bootstrap credentials and command line', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    const dir = tempDir('bootstrap-aws-');
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    // No files, no instance metadata: the SDK default chain finds nothing, fast.
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it('fails with a clear message when no credentials are found', async () => {
    await expect(createAwsClients({ region: 'eu-west-1', profile: 'nope' })).rejects.toThrow(/^no AWS credentials for profile nope \(.*\)\. Log in \(e\.g\. `aws sso login --profile NAME`\)/);
  });

  it('exits non-zero from the CLI: render writes a checked template, plan without credentials fails', async () => {
    const dir = tempDir('bootstrap-cli-');
    cpSync(FIXTURE_CONFIG, join(dir, 'config'), { recursive: true });
    const out = join(dir, 'dist');
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(String(m)));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['--config', join(dir, 'config'), 'bootstrap', 'render', '--out', out, '--cluster', 'dev'])).toBe(0);
    expect(await main(['--config', join(dir, 'config'), 'bootstrap', 'plan', '--out', out])).toBe(1);
    expect(errors.pop()).toBe('Error: plan needs exactly one --cluster NAME');
    expect(await main(['--config', join(dir, 'config'), 'bootstrap', 'plan', '--cluster', 'dev', '--out', out, '--region', 'us-east-1'])).toBe(1);
    expect(errors.pop()).toMatch(/--region us-east-1 differs from aws\.region eu-west-1/);
    expect(await main(['--config', join(dir, 'config'), 'bootstrap', 'plan', '--cluster', 'prod', '--out', out])).toBe(1);
    expect(errors.pop()).toMatch(/prod\/aws\/cloudformation\.json does not exist; run `npm run synth` and commit it first/);
    expect(await main(['--config', join(dir, 'config'), 'bootstrap', 'plan', '--cluster', 'dev', '--out', out])).toBe(1);
    expect(errors.pop()).toMatch(/^Error: no AWS credentials/);
  });
});
