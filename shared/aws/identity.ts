/** The AWS account of the credentials in use: the default scope of the AWS collectors. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AnyCollector, ScopeEnvironment } from '../collectors/types.js';
import { SourceUnavailableError } from '../errors.js';
import { awsClientOptions, defaultRegion } from './clients.js';

export async function callerAccountId(region = defaultRegion()): Promise<string> {
  const sts = new STSClient(awsClientOptions(region));
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Account) throw new Error('GetCallerIdentity returned no account');
    return out.Account;
  } catch (err) {
    throw new SourceUnavailableError(
      `cannot tell which AWS account the credentials belong to (${(err as Error).name}: ${(err as Error).message}); set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)`,
      { cause: err },
    );
  } finally {
    sts.destroy();
  }
}

/** Resolve the scope environment: the caller's account, only when an AWS collector will run. */
export async function awsScopeEnvironment(collectors: readonly AnyCollector[]): Promise<ScopeEnvironment> {
  if (!collectors.some((c) => c.source === 'aws')) return {};
  return { defaultAccountId: await callerAccountId() };
}
