/** Real AWS clients for the bootstrap commands: SDK default credential chain, optional named profile. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { BootstrapError } from './deploy.ts';

export interface AwsOptions {
  readonly region: string;
  /** Named profile from ~/.aws/config; @default the SDK default chain (AWS_PROFILE, env keys, SSO, instance role …) */
  readonly profile?: string;
}

export async function createAwsClients(options: AwsOptions): Promise<{ cfn: CloudFormationClient; iam: IAMClient }> {
  const config = { region: options.region, ...(options.profile ? { profile: options.profile } : {}) };
  const cfn = new CloudFormationClient(config);
  const iam = new IAMClient(config);
  try {
    // Resolve once up front: a missing login should say so, not surface as a failed API call later.
    await cfn.config.credentials();
  } catch (err) {
    throw new BootstrapError(
      `no AWS credentials${options.profile ? ` for profile ${options.profile}` : ''} (${(err as Error).message.split('\n')[0]}). ` +
        'Log in (e.g. `aws sso login --profile NAME`) and pass --profile NAME, or set AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    );
  }
  return { cfn, iam };
}
