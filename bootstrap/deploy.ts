/**
 * plan and deploy of a bootstrap stack through CloudFormation change sets. Clients, clock, sleep, confirmation and
 * output are injected, so the whole flow runs against aws-sdk-client-mock in tests (and in milliseconds).
 */
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
  type Change,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { randomUUID } from 'node:crypto';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DELETION_PROTECTION_PARAMETER, SPOT_ROLE_NAME, SPOT_ROLE_PARAMETER, STATEFUL_RESOURCES } from './template.ts';

/** A failure the user can act on; the CLI prints its message and exits non-zero. */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

export interface BootstrapDeps {
  readonly cfn: CloudFormationClient;
  readonly iam: IAMClient;
  readonly log: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** Asks the user; only called when `yes` is not set. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Delay between status polls. @default 5000 */
  readonly pollMs?: number;
  /** Give up following a stack operation after this long. @default 7_200_000 (two hours) */
  readonly maxWaitMs?: number;
  /** Attempts on throttling before giving up. @default 8 */
  readonly maxAttempts?: number;
  /** ClientRequestToken of an ExecuteChangeSet; the stack events of that run carry it. @default a random UUID */
  readonly requestToken?: () => string;
}

export interface DeployOptions {
  /** Execute without asking. @default false */
  readonly yes?: boolean;
  /** With `yes`: also execute a change set that replaces or removes the cluster, file system or KMS key. @default false */
  readonly allowReplace?: boolean;
}

export interface StackTarget {
  readonly stackName: string;
  readonly clusterName: string;
  readonly accountId: string;
  readonly region: string;
  /** Compact template JSON. */
  readonly templateBody: string;
}

export interface PlannedChange {
  readonly action: 'add' | 'modify' | 'replace' | 'may-replace' | 'remove' | 'import' | 'dynamic';
  readonly logicalId: string;
  readonly type: string;
  /** Properties whose change causes the replacement, when CloudFormation says. */
  readonly causes: readonly string[];
}

export interface PlanResult {
  readonly changeSetType: 'CREATE' | 'UPDATE';
  readonly changes: readonly PlannedChange[];
  readonly noChanges: boolean;
  /** Loud warnings: stateful resources replaced or removed. */
  readonly warnings: readonly string[];
  /** Changes no flag allows (a create-time-only setting changed); plan and deploy stop on them. */
  readonly refusals: readonly string[];
}

export type DeployOutcome = 'deployed' | 'no-changes' | 'cancelled';

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const CANCELLED = /Resource (creation|update|deletion) cancelled/i;

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** Runs an AWS call, backing off exponentially (1 s, 2 s, 4 s … at most 20 s) while AWS throttles it. */
export async function withBackoff<T>(deps: BootstrapDeps, what: string, call: () => Promise<T>): Promise<T> {
  const attempts = deps.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((!THROTTLING.has(errorName(err)) && status !== 429) || attempt >= attempts) throw err;
      const delay = Math.min(1000 * 2 ** (attempt - 1), 20_000);
      deps.log(`  (throttled on ${what}; retrying in ${delay / 1000}s, attempt ${attempt + 1}/${attempts})`);
      await deps.sleep(delay);
    }
  }
}

export async function describeStack(deps: BootstrapDeps, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await withBackoff(deps, 'DescribeStacks', () => deps.cfn.send(new DescribeStacksCommand({ StackName: stackName })));
    return out.Stacks?.[0];
  } catch (err) {
    if (errorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/**
 * "true" when AWSServiceRoleForEC2Spot exists and this stack does not own it. Once the stack created the role it
 * keeps the parameter at "false": flipping it would drop the role from the stack (it is retained, not deleted).
 */
export async function spotRoleExists(deps: BootstrapDeps, stack: Stack | undefined): Promise<'true' | 'false'> {
  const previous = stack?.Parameters?.find((p) => p.ParameterKey === SPOT_ROLE_PARAMETER)?.ParameterValue;
  if (previous === 'false' && stack?.StackStatus !== 'REVIEW_IN_PROGRESS') return 'false';
  try {
    await withBackoff(deps, 'iam:GetRole', () => deps.iam.send(new GetRoleCommand({ RoleName: SPOT_ROLE_NAME })));
    return 'true';
  } catch (err) {
    if (errorName(err) === 'NoSuchEntityException') return 'false';
    throw new BootstrapError(`cannot check for ${SPOT_ROLE_NAME} (iam:GetRole): ${(err as Error).message}`);
  }
}

function accountOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[4];
}

function toPlanned(change: Change): PlannedChange | undefined {
  const rc = change.ResourceChange;
  if (!rc?.LogicalResourceId) return undefined;
  const causes = (rc.Details ?? [])
    .filter((d) => d.Target?.RequiresRecreation && d.Target.RequiresRecreation !== 'Never')
    .map((d) => d.Target?.Name ?? d.Target?.Attribute ?? '?');
  const base = { logicalId: rc.LogicalResourceId, type: rc.ResourceType ?? '?', causes: [...new Set(causes)].sort() };
  switch (rc.Action) {
    case 'Add':
      return { ...base, action: 'add' };
    case 'Remove':
      return { ...base, action: 'remove' };
    case 'Import':
      return { ...base, action: 'import' };
    case 'Dynamic':
      return { ...base, action: 'dynamic' };
    default:
      return { ...base, action: rc.Replacement === 'True' ? 'replace' : rc.Replacement === 'Conditional' ? 'may-replace' : 'modify' };
  }
}

/** Loud warnings for the changes that lose state: the cluster, the file system or their KMS key replaced or removed. */
export function statefulWarnings(changes: readonly PlannedChange[]): string[] {
  const stateful = new Set<string>(STATEFUL_RESOURCES);
  return changes
    .filter((c) => stateful.has(c.logicalId) && ['replace', 'may-replace', 'remove'].includes(c.action))
    .map((c) => {
      const verb = c.action === 'remove' ? 'REMOVED' : c.action === 'replace' ? 'REPLACED' : 'POSSIBLY REPLACED';
      const why = c.causes.length > 0 ? ` (because of ${c.causes.join(', ')})` : '';
      return `!!! ${c.logicalId} (${c.type}) would be ${verb}${why}: a new one starts empty; workloads and data on the old one are lost or orphaned.`;
    });
}

/**
 * BootstrapClusterCreatorAdminPermissions is create-time only: a change shows as a replacement of the cluster caused
 * by AccessConfig (AuthenticationMode, the other AccessConfig key, is always API here).
 */
export function createTimeRefusals(changes: readonly PlannedChange[]): string[] {
  const replaced = changes.filter((c) => c.logicalId === 'Cluster' && (c.action === 'replace' || c.action === 'may-replace'));
  const by = (key: string) => replaced.some((c) => c.causes.some((k) => new RegExp(`^${key}\\b`).test(k)));
  return [
    ...(by('AccessConfig')
      ? [
          'Cluster would be replaced because AccessConfig changed: bootstrap.clusterCreatorAdmin (BootstrapClusterCreatorAdminPermissions) is create-time only and EKS cannot change it on an existing cluster; allowed: its value at create time (grant access with bootstrap.accessEntries instead)',
        ]
      : []),
    // ResourcesVpcConfig.SecurityGroupIds and SubnetIds replace the cluster (@aws-cdk/aws-service-spec, AWS::EKS::Cluster).
    ...(by('ResourcesVpcConfig')
      ? [
          'Cluster would be replaced because ResourcesVpcConfig changed: its subnets (network.privateSubnetIds) and security groups are create-time only in CloudFormation (a cluster created before the endpoint security group existed gets it only by replacement); allowed: the values at create time (change who reaches the endpoint with bootstrap.endpoint.privateAccessFrom, whose rules update in place)',
        ]
      : []),
  ];
}

const SYMBOL: Record<PlannedChange['action'], string> = { add: '+', modify: '~', replace: '!', 'may-replace': '!', remove: '-', import: '<', dynamic: '?' };

export function formatPlan(target: StackTarget, plan: PlanResult): string[] {
  const lines = [`Stack ${target.stackName} (${plan.changeSetType === 'CREATE' ? 'new' : 'update'}; account ${target.accountId}, ${target.region}):`];
  if (plan.noChanges) return [...lines, '  no changes'];
  const width = Math.max(...plan.changes.map((c) => c.logicalId.length));
  for (const c of plan.changes) {
    const why = c.causes.length > 0 ? `  [${c.causes.join(', ')}]` : '';
    lines.push(`  ${SYMBOL[c.action]} ${c.action.padEnd(11)} ${c.logicalId.padEnd(width)}  ${c.type}${why}`);
  }
  const count = (...actions: PlannedChange['action'][]) => plan.changes.filter((c) => actions.includes(c.action)).length;
  lines.push(
    `${plan.changes.length} changes: ${count('add')} to add, ${count('modify', 'dynamic')} to modify, ${count('replace', 'may-replace')} to replace, ${count('remove')} to remove.`,
  );
  if (plan.warnings.length > 0) lines.push('', ...plan.warnings, '');
  if (plan.refusals.length > 0) lines.push('', ...plan.refusals.map((r) => `!!! ${r}`), '');
  return lines;
}

interface CreatedChangeSet {
  readonly id: string;
  readonly stackId: string;
  readonly plan: PlanResult;
}

function changeSetName(now: Date): string {
  return `bootstrap-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

async function createChangeSet(deps: BootstrapDeps, target: StackTarget, stack: Stack | undefined): Promise<CreatedChangeSet> {
  const changeSetType = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
  const spot = await spotRoleExists(deps, stack);
  // Unprotected only while the first create can still roll back; see DELETION_PROTECTION_PARAMETER.
  const protection = changeSetType === 'CREATE' ? 'false' : 'true';
  deps.log(`${SPOT_ROLE_NAME}: ${spot === 'true' ? 'exists, not created by this stack' : 'missing or owned by this stack; the stack creates it'}`);
  const created = await withBackoff(deps, 'CreateChangeSet', () =>
    deps.cfn.send(
      new CreateChangeSetCommand({
        StackName: target.stackName,
        ChangeSetName: changeSetName(deps.now()),
        ChangeSetType: changeSetType,
        TemplateBody: target.templateBody,
        Parameters: [
          { ParameterKey: SPOT_ROLE_PARAMETER, ParameterValue: spot },
          { ParameterKey: DELETION_PROTECTION_PARAMETER, ParameterValue: protection },
        ],
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        Description: `platform bootstrap of cluster ${target.clusterName}`,
        Tags: [{ Key: 'eks-platform/cluster', Value: target.clusterName }],
      }),
    ),
  );
  const id = created.Id!;
  const stackId = created.StackId!;
  // The template hard-codes this account's ARNs: never apply it to another account the credentials happen to reach.
  const account = accountOf(stackId);
  if (account !== target.accountId) {
    await discard(deps, id, changeSetType === 'CREATE' && !stack ? target.stackName : undefined);
    throw new BootstrapError(
      `the credentials reach account ${account}, but cluster ${target.clusterName} lives in account ${target.accountId} (aws.accountId); use --profile for the right account`,
    );
  }

  const changes: Change[] = [];
  for (;;) {
    const out = await withBackoff(deps, 'DescribeChangeSet', () => deps.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: stackId })));
    if (out.Status === 'FAILED') {
      if (NO_CHANGES.test(out.StatusReason ?? '')) return { id, stackId, plan: { changeSetType, changes: [], noChanges: true, warnings: [], refusals: [] } };
      await discard(deps, id, changeSetType === 'CREATE' && !stack ? stackId : undefined);
      throw new BootstrapError(`change set failed: ${out.StatusReason ?? 'no reason given'}`);
    }
    if (out.Status === 'CREATE_COMPLETE') {
      changes.push(...(out.Changes ?? []));
      let token = out.NextToken;
      while (token) {
        const page = await withBackoff(deps, 'DescribeChangeSet', () =>
          deps.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: stackId, NextToken: token })),
        );
        changes.push(...(page.Changes ?? []));
        token = page.NextToken;
      }
      break;
    }
    await deps.sleep(deps.pollMs ?? 5000);
  }
  const planned = changes.map(toPlanned).filter((c): c is PlannedChange => c !== undefined);
  return {
    id,
    stackId,
    plan: { changeSetType, changes: planned, noChanges: planned.length === 0, warnings: statefulWarnings(planned), refusals: createTimeRefusals(planned) },
  };
}

/** Deletes a change set that will not run, and the empty stack a CREATE change set leaves behind. */
async function discard(deps: BootstrapDeps, changeSetId: string, emptyStack?: string): Promise<void> {
  await withBackoff(deps, 'DeleteChangeSet', () => deps.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId })));
  if (emptyStack) await withBackoff(deps, 'DeleteStack', () => deps.cfn.send(new DeleteStackCommand({ StackName: emptyStack })));
}

function assertOperable(stack: Stack | undefined, allowRollbackComplete: boolean): void {
  const status = stack?.StackStatus ?? '';
  if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') {
    throw new BootstrapError(`stack ${stack!.StackName} is busy (${status}); wait for it to finish and run again`);
  }
  if (status === 'ROLLBACK_COMPLETE' && !allowRollbackComplete) {
    throw new BootstrapError(`stack ${stack!.StackName} is in ROLLBACK_COMPLETE (its first create failed) and cannot be updated; \`bootstrap deploy\` deletes and recreates it`);
  }
  if (status.endsWith('_FAILED') && status !== 'CREATE_FAILED') {
    throw new BootstrapError(`stack ${stack!.StackName} is in ${status}; fix it in the CloudFormation console (e.g. continue the rollback) first`);
  }
}

/** Creates a change set, prints what it would do, and deletes it again. Changes nothing. */
export async function plan(deps: BootstrapDeps, target: StackTarget): Promise<PlanResult> {
  const stack = await describeStack(deps, target.stackName);
  if (stack?.StackStatus === 'ROLLBACK_COMPLETE') {
    deps.log(`Stack ${target.stackName} is in ROLLBACK_COMPLETE: its first create failed. \`bootstrap deploy\` will delete it and create it again.`);
  }
  assertOperable(stack, true);
  // A ROLLBACK_COMPLETE stack cannot take a change set; plan against "no stack" without touching it.
  const live = stack?.StackStatus === 'ROLLBACK_COMPLETE' ? undefined : stack;
  if (!live && stack) {
    const body = JSON.parse(target.templateBody) as { Resources: Record<string, { Type: string; Condition?: string }> };
    const changes = Object.entries(body.Resources).map(([logicalId, r]): PlannedChange => ({ action: 'add', logicalId, type: r.Type, causes: [] }));
    const result: PlanResult = { changeSetType: 'CREATE', changes, noChanges: false, warnings: [], refusals: [] };
    formatPlan(target, result).forEach((l) => deps.log(l));
    return result;
  }
  const cs = await createChangeSet(deps, target, live);
  formatPlan(target, cs.plan).forEach((l) => deps.log(l));
  await discard(deps, cs.id, !live ? cs.stackId : undefined);
  if (cs.plan.refusals.length > 0) throw new BootstrapError(`deploy would refuse this plan:\n${cs.plan.refusals.join('\n')}`);
  return cs.plan;
}

async function waitForDeletion(deps: BootstrapDeps, stackId: string, started: number): Promise<void> {
  for (;;) {
    const stack = await describeStack(deps, stackId);
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return;
    if (stack.StackStatus === 'DELETE_FAILED') throw new BootstrapError(`could not delete stack ${stack.StackName}: ${stack.StackStatusReason ?? 'DELETE_FAILED'}`);
    if (deps.now().getTime() - started > (deps.maxWaitMs ?? 7_200_000)) throw new BootstrapError(`gave up waiting for ${stack.StackName} to be deleted`);
    await deps.sleep(deps.pollMs ?? 5000);
  }
}

/**
 * New events of the stack operation started with ClientRequestToken `token`, oldest first; `seen` keeps event ids
 * already printed. Events come newest first and operations do not overlap, so the first event of another operation
 * ends the search (no local clock involved: it may be skewed against CloudFormation's).
 */
async function newEvents(deps: BootstrapDeps, stackId: string, token: string, seen: Set<string>): Promise<StackEvent[]> {
  const fresh: StackEvent[] = [];
  let next: string | undefined;
  do {
    const page = await withBackoff(deps, 'DescribeStackEvents', () => deps.cfn.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: next })));
    let older = false;
    for (const e of page.StackEvents ?? []) {
      if (e.ClientRequestToken !== token || (e.EventId && seen.has(e.EventId))) {
        older = true;
        break;
      }
      fresh.push(e);
    }
    next = older ? undefined : page.NextToken;
  } while (next);
  for (const e of fresh) if (e.EventId) seen.add(e.EventId);
  return fresh.reverse();
}

function formatEvent(e: StackEvent): string {
  const time = e.Timestamp ? e.Timestamp.toISOString().slice(11, 19) : '--:--:--';
  const reason = e.ResourceStatusReason ? `  ${e.ResourceStatusReason}` : '';
  return `  ${time} ${(e.ResourceStatus ?? '').padEnd(28)} ${e.LogicalResourceId ?? ''} (${e.ResourceType ?? ''})${reason}`;
}

/**
 * Creates a change set, shows it, asks (unless `yes`), executes it and follows the stack events until done.
 * Failure reasons from the events are in the thrown error; termination protection is on after every success, and
 * after a first create a second change set turns the cluster's deletion protection on.
 */
export async function deploy(deps: BootstrapDeps, target: StackTarget, options: DeployOptions = {}): Promise<DeployOutcome> {
  const started = deps.now();
  let stack = await describeStack(deps, target.stackName);
  assertOperable(stack, true);

  if (stack?.StackStatus === 'ROLLBACK_COMPLETE') {
    deps.log(`Stack ${target.stackName} is in ROLLBACK_COMPLETE: its first create failed and it holds no resources. It must be deleted before it can be created again.`);
    if (!options.yes && !(await deps.confirm(`Delete stack ${target.stackName} and create it again?`))) return 'cancelled';
    await withBackoff(deps, 'DeleteStack', () => deps.cfn.send(new DeleteStackCommand({ StackName: stack!.StackId ?? target.stackName })));
    await waitForDeletion(deps, stack.StackId ?? target.stackName, started.getTime());
    deps.log(`Deleted the failed stack.`);
    stack = undefined;
  }

  const cs = await createChangeSet(deps, target, stack);
  formatPlan(target, cs.plan).forEach((l) => deps.log(l));
  const isNew = !stack;
  if (cs.plan.noChanges) {
    await discard(deps, cs.id);
    await protect(deps, stack);
    return 'no-changes';
  }
  if (cs.plan.refusals.length > 0) {
    await discard(deps, cs.id, isNew ? cs.stackId : undefined);
    throw new BootstrapError(`refusing to deploy; nothing was changed:\n${cs.plan.refusals.join('\n')}`);
  }
  // --yes is for routine runs (CI, scripts); losing the cluster, its data or its key takes a second, explicit flag.
  if (cs.plan.warnings.length > 0 && options.yes && !options.allowReplace) {
    await discard(deps, cs.id, isNew ? cs.stackId : undefined);
    throw new BootstrapError(
      'the plan replaces or removes stateful resources (see above) and --yes does not approve that; nothing was changed. Allowed: add --allow-replace, or run without --yes and confirm',
    );
  }
  const question = cs.plan.warnings.length > 0 ? 'The plan REPLACES OR REMOVES STATEFUL RESOURCES (see above). Execute it anyway?' : 'Execute this change set?';
  if (!options.yes && !(await deps.confirm(question))) {
    await discard(deps, cs.id, isNew ? cs.stackId : undefined);
    deps.log('Cancelled; nothing was changed.');
    return 'cancelled';
  }

  let final = await execute(deps, target, cs);
  if (isNew) final = await enableDeletionProtection(deps, target, final);
  await protect(deps, final);
  deps.log(`Stack ${target.stackName}: ${final?.StackStatus}. Termination protection is on.`);
  for (const o of final?.Outputs ?? []) deps.log(`  ${o.OutputKey} = ${o.OutputValue}`);
  return 'deployed';
}

/**
 * Executes a change set with a fresh ClientRequestToken and follows that operation's events until the stack settles.
 * Returns the settled stack; throws with the failure reasons when it did not succeed.
 */
async function execute(deps: BootstrapDeps, target: StackTarget, cs: CreatedChangeSet): Promise<Stack | undefined> {
  const token = deps.requestToken?.() ?? `bootstrap-${randomUUID()}`;
  const executedAt = deps.now();
  await withBackoff(deps, 'ExecuteChangeSet', () =>
    deps.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: cs.id, StackName: cs.stackId, ClientRequestToken: token })),
  );
  deps.log(`Executing ${cs.id.split('/').pop()} …`);
  const seen = new Set<string>();
  const events: StackEvent[] = [];
  let final: Stack | undefined;
  for (;;) {
    await deps.sleep(deps.pollMs ?? 5000);
    const fresh = await newEvents(deps, cs.stackId, token, seen);
    events.push(...fresh);
    fresh.forEach((e) => deps.log(formatEvent(e)));
    final = await describeStack(deps, cs.stackId);
    const status = final?.StackStatus ?? 'DELETE_COMPLETE';
    if (!status.endsWith('_IN_PROGRESS')) break;
    if (deps.now().getTime() - executedAt.getTime() > (deps.maxWaitMs ?? 7_200_000)) {
      throw new BootstrapError(`stack ${target.stackName} is still ${status} after ${Math.round((deps.maxWaitMs ?? 7_200_000) / 60_000)} minutes; follow it in the CloudFormation console`);
    }
  }
  const status = final?.StackStatus ?? 'DELETE_COMPLETE';
  if (!SUCCESS.has(status)) {
    // Catch events written between the last poll and the final status.
    events.push(...(await newEvents(deps, cs.stackId, token, seen)));
    const reasons = events
      .filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.ResourceStatusReason && !CANCELLED.test(e.ResourceStatusReason))
      .map((e) => `  ${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason}`);
    throw new BootstrapError(
      `stack ${target.stackName} ended in ${status}.${reasons.length > 0 ? `\nFailure reasons:\n${[...new Set(reasons)].join('\n')}` : ` ${final?.StackStatusReason ?? ''}`}` +
        (status === 'ROLLBACK_COMPLETE' ? '\nThe first create rolled back; run deploy again after fixing the cause (it deletes and recreates the stack).' : ''),
    );
  }
  return final;
}

/**
 * After a first create: the same template as an UPDATE change set, which sets the deletion-protection parameter to
 * "true". Executed without asking, but only if it changes nothing except the cluster in place.
 */
async function enableDeletionProtection(deps: BootstrapDeps, target: StackTarget, created: Stack | undefined): Promise<Stack | undefined> {
  deps.log('Turning on the cluster\'s deletion protection (off during the first create so that a failure can roll back) …');
  const cs = await createChangeSet(deps, target, created);
  if (cs.plan.noChanges) {
    await discard(deps, cs.id);
    return created;
  }
  const other = cs.plan.changes.filter((c) => !(c.logicalId === 'Cluster' && c.action === 'modify'));
  if (other.length > 0) {
    formatPlan(target, cs.plan).forEach((l) => deps.log(l));
    await discard(deps, cs.id);
    throw new BootstrapError(
      `the stack was created, but turning on the cluster's deletion protection would also change ${other.map((c) => `${c.logicalId} (${c.action})`).join(', ')}; nothing more was changed. Run \`bootstrap deploy\` again and review that plan`,
    );
  }
  return execute(deps, target, cs);
}

async function protect(deps: BootstrapDeps, stack: Stack | undefined): Promise<void> {
  if (!stack?.StackId || stack.EnableTerminationProtection) return;
  await withBackoff(deps, 'UpdateTerminationProtection', () =>
    deps.cfn.send(new UpdateTerminationProtectionCommand({ StackName: stack.StackId, EnableTerminationProtection: true })),
  );
}
