/** The AWS account of the credentials in use: the default scope of the AWS collectors. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AnyCollector, ScopeEnvironment } from '../collectors/types.js';
import type { Config } from '../config.js';
import { SourceUnavailableError } from '../errors.js';
import { awsClientOptions, defaultRegion, refuseWebPages } from './clients.js';
import { discoverOrganization } from './organization.js';

export async function callerAccountId(region = defaultRegion()): Promise<string> {
  try {
    const out = await callerIdentity(region);
    if (!out.Account) throw new Error('GetCallerIdentity returned no account');
    return out.Account;
  } catch (err) {
    throw new SourceUnavailableError(
      `cannot tell which AWS account the credentials belong to (${(err as Error).name}: ${(err as Error).message}); set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)`,
      { cause: err },
    );
  }
}

/** The ARN of the AWS principal whose credentials are in use (STS GetCallerIdentity): who ran a command. */
export async function callerPrincipalArn(region = defaultRegion()): Promise<string> {
  const out = await callerIdentity(region);
  if (!out.Arn) throw new Error('GetCallerIdentity returned no ARN');
  return out.Arn;
}

/** STS GetCallerIdentity with a client of its own, destroyed after the one call. */
async function callerIdentity(region: string) {
  const sts = new STSClient(awsClientOptions(region));
  refuseWebPages(sts);
  try {
    return await sts.send(new GetCallerIdentityCommand({}));
  } finally {
    sts.destroy();
  }
}

/**
 * Resolve the scope environment, only when an AWS collector will run: the caller's account,
 * and with `aws.organization` the organization as discovered now. A failed discovery is
 * kept (`organizationError`): the organization snapshot records it and every other AWS
 * collector records an error, instead of the run stopping.
 */
export async function awsScopeEnvironment(
  collectors: readonly AnyCollector[],
  config?: Config,
): Promise<ScopeEnvironment> {
  if (!collectors.some((c) => c.source === 'aws')) return {};
  const defaultAccountId = await callerAccountId();
  const selection = config?.aws?.organization;
  if (!selection) return { defaultAccountId };
  try {
    return {
      defaultAccountId,
      organization: await discoverOrganization(selection, { callerAccountId: defaultAccountId }),
    };
  } catch (err) {
    return { defaultAccountId, organizationError: err instanceof Error ? err : new Error(String(err)) };
  }
}
