/**
 * `facts pull`: reads what the AWS bootstrap published under `/<cluster>/facts` in SSM Parameter Store and writes
 * `config/facts/<cluster>.yaml`, so synth stays offline and reproducible. The file is written sorted (same
 * parameters, same bytes), only after factsSchema accepts it, and atomically: on any failure the old file stays.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GetParametersByPathCommand, SSMClient, type Parameter } from '@aws-sdk/client-ssm';
import { dump, load } from 'js-yaml';
import { baseClusterSchema, factsSchema, type Facts } from '../config/cluster.ts';
import { factsParameterPath } from '../config/naming.ts';
import { show, type Problem } from '../config/schema.ts';
import { isMap } from '../config/merge.ts';

/** A failure of `facts pull`; the message says what went wrong and what to do. The facts file is untouched. */
export class FactsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactsError';
  }
}

/** What `facts pull` needs to know about a cluster, read from its cluster file without the full validation. */
export interface FactsTarget {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  /** Fact keys that must be present: the cluster's config uses them. */
  readonly required: readonly string[];
  /** Absolute path of the facts file. */
  readonly factsFile: string;
}

/**
 * Reads `<configDir>/clusters/<name>.yaml` just far enough for `facts pull`: the full load would reject the cluster
 * for exactly the facts that are missing (that is why they are being pulled).
 */
export function factsTarget(configDir: string, name: string): FactsTarget {
  const file = join(configDir, 'clusters', `${name}.yaml`);
  if (!existsSync(file)) throw new FactsError(`no cluster file ${file}; allowed: the name of a file in ${join(configDir, 'clusters')}`);
  const raw = load(readFileSync(file, 'utf8'));
  const problems: Problem[] = [];
  const aws = isMap(raw) ? baseClusterSchema.aws.check(raw.aws, 'aws', problems) : undefined;
  if (!aws || problems.length > 0) {
    const detail = problems.map((p) => `${p.path}: ${p.message}`).join('; ') || 'not a map';
    throw new FactsError(`${file}: ${detail}`);
  }
  const addons = isMap(raw) && isMap(raw.addons) ? raw.addons : {};
  const efs = isMap(addons['efs-controller']) ? addons['efs-controller'] : {};
  const nodePools = isMap(addons['karpenter-node-pools']) ? addons['karpenter-node-pools'] : {};
  const argocd = isMap(raw) && isMap(raw.argocd) ? raw.argocd : {};
  const required = ['oidcProvider'];
  if (argocd.mode === 'management') required.push('clusterEndpoint');
  if (efs.enabled !== false) required.push('efsFileSystemId');
  // The EC2NodeClass selects the cluster security group by id (charts/foundation/karpenter-node-pools.ts).
  if (nodePools.enabled !== false) required.push('clusterSecurityGroupId');
  return { name, region: aws.region, accountId: aws.accountId, required: required.sort(), factsFile: join(configDir, 'facts', `${name}.yaml`) };
}

export interface FetchOptions {
  /** Attempts per page when SSM throttles. @default 6 */
  readonly maxAttempts?: number;
  /** First backoff delay; doubles per attempt, capped at 20 s, with jitter. @default 500 */
  readonly baseDelayMs?: number;
  /** Injected in tests so retries are instant. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

const errorName = (err: unknown) => (err instanceof Error ? err.name : '');

function isThrottling(err: unknown): boolean {
  const retryable = (err as { $retryable?: { throttling?: boolean } } | undefined)?.$retryable;
  return THROTTLING.has(errorName(err)) || retryable?.throttling === true;
}

/** Every parameter under `path` (recursive), all pages, retrying throttled calls with exponential backoff. */
export async function fetchParameters(client: SSMClient, path: string, options: FetchOptions = {}): Promise<Parameter[]> {
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const out: Parameter[] = [];
  let nextToken: string | undefined;
  do {
    for (let attempt = 1; ; attempt++) {
      try {
        const page = await client.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: false, NextToken: nextToken }));
        out.push(...(page.Parameters ?? []));
        nextToken = page.NextToken;
        break;
      } catch (err) {
        if (!isThrottling(err) || attempt >= maxAttempts) throw err;
        // Full jitter on an exponential ceiling, so parallel pulls do not retry in lockstep.
        await sleep(Math.round(Math.min(20_000, base * 2 ** (attempt - 1)) * (0.5 + random() / 2)));
      }
    }
  } while (nextToken);
  return out;
}

/**
 * Maps parameters to facts: `<path>/<fact>` is a fact, `<path>/roleArns/<controller>` an entry of roleArns.
 * Throws a FactsError listing every parameter that does not fit and every required fact that is missing.
 */
export function factsFromParameters(target: Pick<FactsTarget, 'required'>, path: string, parameters: readonly Parameter[]): Facts {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const p of [...parameters].sort((a, b) => ((a.Name ?? '') < (b.Name ?? '') ? -1 : 1))) {
    const name = p.Name ?? '';
    const rest = name.startsWith(`${path}/`) ? name.slice(path.length + 1).split('/') : [];
    if (p.Type !== 'String') {
      problems.push(`${name}: type ${show(p.Type)}; allowed: String (facts are not secrets)`);
    } else if (rest.length === 1 && rest[0] !== 'roleArns') {
      raw[rest[0]] = p.Value;
    } else if (rest.length === 2 && rest[0] === 'roleArns') {
      raw.roleArns = { ...(raw.roleArns as Record<string, unknown> | undefined), [rest[1]]: p.Value };
    } else {
      problems.push(`${name}: not a fact parameter; allowed: ${path}/<fact> or ${path}/roleArns/<controller>`);
    }
  }
  const schemaProblems: Problem[] = [];
  const facts = factsSchema.check(raw, '', schemaProblems);
  problems.push(...schemaProblems.map((p) => `${path}/${p.path.split('.').join('/')}: ${p.message}`));
  const missing = target.required.filter((k) => raw[k] === undefined);
  if (missing.length > 0) {
    problems.push(`missing parameters ${missing.map((k) => `${path}/${k}`).join(', ')}; allowed: the bootstrap publishes them, re-run it or check its outputs`);
  }
  if (problems.length > 0) throw new FactsError(`facts under ${path} are not usable (the facts file was not changed):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return facts;
}

/** The facts file's text: a header, then the facts with keys sorted at every level. */
export function factsYaml(target: Pick<FactsTarget, 'name'>, facts: Facts): string {
  const clean = JSON.parse(JSON.stringify(facts)) as Record<string, unknown>;
  if (isMap(clean.roleArns) && Object.keys(clean.roleArns).length === 0) delete clean.roleArns;
  const header = `# Written by \`facts pull --cluster ${target.name}\` from SSM Parameter Store (${factsParameterPath(target)}/...). Do not edit by hand.\n`;
  return header + dump(clean, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/** Writes through a temporary file in the same folder and renames it over the target (atomic on one file system). */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export interface PullOptions extends FetchOptions {
  readonly target: FactsTarget;
  /** The SSM client; tests pass a mocked one. @default a client for the cluster's region (and `profile`) */
  readonly client?: SSMClient;
  /** AWS named profile of the default client. @default the SDK's default credential chain */
  readonly profile?: string;
}

export interface PullResult {
  readonly file: string;
  readonly parameters: number;
  readonly changed: boolean;
}

/** Pulls the cluster's facts from SSM and writes its facts file; see the module comment. */
export async function pullFacts(options: PullOptions): Promise<PullResult> {
  const { target } = options;
  const path = factsParameterPath(target);
  // Our own loop retries throttling, so the SDK's retries are off (they would multiply the attempts).
  const client = options.client ?? new SSMClient({ region: target.region, maxAttempts: 1, ...(options.profile ? { profile: options.profile } : {}) });
  let parameters: Parameter[];
  try {
    parameters = await fetchParameters(client, path, options);
  } catch (err) {
    throw explain(err, target, path);
  }
  if (parameters.length === 0) {
    throw new FactsError(
      `no parameters under ${path} in account ${target.accountId}, region ${target.region} (the facts file was not changed); ` +
        `allowed: run the bootstrap for cluster ${target.name} first, and check that your credentials are for that account and region`,
    );
  }
  const facts = factsFromParameters(target, path, parameters);
  const content = factsYaml(target, facts);
  const changed = !(existsSync(target.factsFile) && statSync(target.factsFile).isFile() && readFileSync(target.factsFile, 'utf8') === content);
  if (changed) writeFileAtomic(target.factsFile, content);
  return { file: target.factsFile, parameters: parameters.length, changed };
}

function explain(err: unknown, target: FactsTarget, path: string): Error {
  const name = errorName(err);
  const detail = err instanceof Error ? err.message : String(err);
  const resource = `arn:aws:ssm:${target.region}:${target.accountId}:parameter${path}/*`;
  if (DENIED.has(name)) {
    return new FactsError(
      `access denied reading ${path} in ${target.region} (${name}: ${detail}); the facts file was not changed. ` +
        `allowed: credentials for account ${target.accountId} that may call ssm:GetParametersByPath on ${resource}`,
    );
  }
  if (isThrottling(err)) {
    return new FactsError(`SSM kept throttling GetParametersByPath on ${path} (${name}: ${detail}); the facts file was not changed. Try again in a minute.`);
  }
  if (name === 'CredentialsProviderError' || name === 'ExpiredTokenException' || name === 'UnrecognizedClientException') {
    return new FactsError(`no valid AWS credentials (${name}: ${detail}); the facts file was not changed. allowed: credentials for account ${target.accountId} (AWS_PROFILE, SSO login, or environment)`);
  }
  return new FactsError(`reading ${path} in ${target.region} failed (${name || 'error'}: ${detail}); the facts file was not changed`);
}
