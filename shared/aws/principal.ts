/**
 * Who an AWS collector collects as: the principal ARN of a scope's credentials (STS
 * GetCallerIdentity with the same credentials the collector uses: the caller's own, or the
 * assumed member role's session), asked once per account and role per run by the runner.
 * Implementation only (it imports the STS client): declarations never import it.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Identity } from '../collectors/types.js';
import { type AwsAccount, awsCall, credentialsFor } from './accounts.js';
import { awsClientOptions, defaultRegion, refuseWebPages } from './clients.js';

/**
 * The identity of an AWS scope (any collector's: account or regional). Every scope reached with
 * the run's own credentials shares one key; an assumed role is one key per role and external id.
 */
export function awsIdentity(
  scope: Partial<AwsAccount> & { region?: string; regions?: readonly string[] },
): Identity {
  const region = scope.region ?? scope.regions?.[0] ?? defaultRegion();
  const account: AwsAccount = { ...scope, accountId: scope.accountId ?? 'of the credentials in use' };
  return {
    key: scope.roleArn ? `${scope.roleArn}|${scope.externalId ?? ''}` : 'own credentials',
    method: 'sts:GetCallerIdentity',
    async resolve() {
      const sts = new STSClient(awsClientOptions(region, credentialsFor(account)));
      refuseWebPages(sts);
      try {
        const out = await awsCall(account, region, 'sts:GetCallerIdentity', () =>
          sts.send(new GetCallerIdentityCommand({})),
        );
        if (!out.Arn) throw new Error('GetCallerIdentity returned no ARN');
        return out.Arn;
      } finally {
        sts.destroy();
      }
    },
  };
}
