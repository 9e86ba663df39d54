/**
 * AWS accounts and regions the AWS collectors cover, and the SDK clients that reach them.
 *
 * Scopes: the account of the credentials in use always, plus every `aws.accounts` entry,
 * reached by STS AssumeRole (role name configurable per entry, optional external id, a
 * session name that identifies the tool). One credentials provider per account is cached
 * for the process, so a run assumes each role once (and again only near expiry), however
 * many regions and services it covers. Temporary credentials are registered for redaction
 * the moment they are obtained.
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Scope, ScopeEnvironment } from '../collectors/types.js';
import type { Config } from '../config.js';
import { SourceUnavailableError } from '../errors.js';
import {
  awsClientOptions,
  awsTimeouts,
  countRequests,
  type RequestCounter,
  refuseWebPages,
  registerAwsCredentials,
  registeredDefaultCredentials,
} from './clients.js';

/** The RoleSessionName of every assumed-role session: CloudTrail in the member account shows it. */
export const ROLE_SESSION_NAME = 'evidence-locker';

/** One AWS account to collect, and how to reach it. */
export interface AwsAccount {
  readonly accountId: string;
  readonly name?: string;
  /** Absent for the credentials' own account; the role to assume otherwise. */
  readonly roleArn?: string;
  readonly externalId?: string;
}

/** An account-wide scope (IAM, CloudTrail): `aws-<account>`. */
export interface AwsAccountScope extends Scope, AwsAccount {
  /** Regions configured in `aws.regions` (CloudTrail iterates them inside one scope). */
  readonly regions: readonly string[];
}

/** A regional scope (GuardDuty, AWS Config): `aws-<account>-<region>`. */
export interface AwsRegionalScope extends Scope, AwsAccount {
  readonly region: string;
}

/**
 * The accounts under this config. With `aws.organization`: every in-scope account of the
 * discovered organization (`env.organization`), the credentials' own account without a role,
 * then any `aws.accounts` entry outside the organization; an `aws.accounts` entry for an
 * organization account supplies its name, role name or external id. Without it: the
 * credentials' own account first, then each `aws.accounts` entry. In a shard
 * (`env.shardAccounts`): exactly the shard's accounts.
 */
export function awsAccounts(config: Config, env: ScopeEnvironment): AwsAccount[] {
  const aws = config.aws;
  if (!aws) return [];
  const own = env.defaultAccountId;
  if (own === undefined) {
    throw new SourceUnavailableError(
      'the AWS account of the credentials in use is unknown (STS GetCallerIdentity did not answer); set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)',
    );
  }
  const entries = new Map(aws.accounts.map((e) => [e.id, e]));
  const member = (id: string, name: string | undefined): AwsAccount => {
    const entry = entries.get(id);
    const label = entry?.name ?? name;
    if (id === own) return { accountId: id, ...(label !== undefined && { name: label }) };
    return {
      accountId: id,
      ...(label !== undefined && { name: label }),
      roleArn: `arn:aws:iam::${id}:role/${entry?.roleName ?? aws.roleName}`,
      ...(entry?.externalId !== undefined && { externalId: entry.externalId }),
    };
  };
  if (env.shardAccounts) {
    // A shard: the plan chose these accounts (and their order) from the organization and aws.accounts.
    return env.shardAccounts.map((id) => member(id, undefined));
  }
  if (aws.organization) {
    const inventory = env.organization;
    if (!inventory) {
      const why = env.organizationError?.message ?? 'AWS Organizations was not asked';
      throw new SourceUnavailableError(
        `aws.organization is set but the organization was not discovered: ${why}`,
        {
          cause: env.organizationError,
        },
      );
    }
    const inOrg = new Set(inventory.accounts.map((a) => a.id));
    const chosen = inventory.accounts.filter((a) => a.inScope).map((a) => member(a.id, a.name ?? undefined));
    const outside = aws.accounts.filter((e) => !inOrg.has(e.id)).map((e) => member(e.id, undefined));
    // The credentials' own account first (as without an organization), then by id.
    return [
      ...chosen.filter((a) => a.accountId === own),
      ...chosen.filter((a) => a.accountId !== own),
      ...outside,
    ];
  }
  const accounts: AwsAccount[] = [{ accountId: own }];
  for (const entry of aws.accounts) {
    if (accounts.some((a) => a.accountId === entry.id)) continue;
    accounts.push(member(entry.id, undefined));
  }
  return accounts;
}

export function accountScopes(config: Config, env: ScopeEnvironment): AwsAccountScope[] {
  const regions = config.aws?.regions ?? [];
  return awsAccounts(config, env).map((a) => ({ ...a, id: `aws-${a.accountId}`, regions }));
}

export function regionalScopes(config: Config, env: ScopeEnvironment): AwsRegionalScope[] {
  const regions = config.aws?.regions ?? [];
  return awsAccounts(config, env).flatMap((a) =>
    regions.map((region) => ({ ...a, id: `aws-${a.accountId}-${region}`, region })),
  );
}

const providers = new Map<string, AwsCredentialIdentityProvider>();

/** Refresh temporary credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The credentials for an account: undefined for the credentials' own account (the SDK's
 * default chain); for an assumed account one cached provider, refreshed near expiry.
 */
export function credentialsFor(account: AwsAccount): AwsCredentialIdentityProvider | undefined {
  if (account.roleArn === undefined) return undefined;
  const cacheKey = `${account.roleArn}|${account.externalId ?? ''}`;
  const cached = providers.get(cacheKey);
  if (cached) return cached;
  const assume = fromTemporaryCredentials({
    masterCredentials: registeredDefaultCredentials(),
    clientConfig: { requestHandler: awsTimeouts() },
    params: {
      RoleArn: account.roleArn,
      RoleSessionName: ROLE_SESSION_NAME,
      DurationSeconds: 3600,
      ...(account.externalId !== undefined && { ExternalId: account.externalId }),
    },
  });
  let current: Promise<AwsCredentialIdentity> | undefined;
  const provider: AwsCredentialIdentityProvider = async () => {
    if (current) {
      const held = await current.catch(() => undefined);
      const expiry = held?.expiration?.getTime();
      if (held && (expiry === undefined || expiry - Date.now() > REFRESH_MARGIN_MS)) return held;
    }
    current = assume().then(registerAwsCredentials);
    // A failed AssumeRole is not cached: the next scope tries again.
    current.catch(() => {
      current = undefined;
    });
    return current;
  };
  providers.set(cacheKey, provider);
  return provider;
}

/** Forget cached providers (tests that change credentials between runs). */
export function forgetAwsCredentials(): void {
  providers.clear();
}

/** Any SDK v3 client: what countRequests accepts, and destroy(). */
type SdkClient = Parameters<typeof countRequests>[0] & { destroy(): void };

type ClientConstructor<C> = new (
  config: ReturnType<typeof awsClientOptions> & {
    maxAttempts?: number;
  } & Record<string, unknown>,
) => C;

/**
 * An SDK client for one account and region whose every request (retries included) is
 * counted into `counter`. The caller destroys it when the scope is done.
 */
export function awsClient<C extends SdkClient>(
  Client: ClientConstructor<C>,
  account: AwsAccount,
  region: string,
  counter: RequestCounter,
  /** Client options of one service (S3's path style, S3 Control's endpoint; see clients.ts). */
  extra: Record<string, unknown> = {},
): C {
  const client = new Client({
    ...awsClientOptions(region, credentialsFor(account)),
    // Standard retry with a few more attempts than the default: throttling is normal at scale.
    maxAttempts: 5,
    ...extra,
  });
  countRequests(client, counter);
  refuseWebPages(client);
  return client;
}

/** Error names that mean "these credentials may not do this" rather than "the call went wrong". */
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

export function isAccessDenied(err: unknown): boolean {
  return err instanceof Error && DENIED.has(err.name);
}

/** Where a call went, for messages: "account 123456789012 (prod) in eu-west-1". */
export function describeTarget(account: AwsAccount, region?: string): string {
  const name = account.name ? ` (${account.name})` : '';
  return `account ${account.accountId}${name}${region ? ` in ${region}` : ''}`;
}

/** One line for an AWS SDK error: its name, message and, for non-AWS answers, the HTTP status. */
export function describeAwsError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (err.name === 'SyntaxError' || err.message.includes('Deserialization error')) {
    // Not an AWS error document: the endpoint does not implement the operation (an emulator).
    return `the endpoint answered HTTP ${status ?? '?'} without an AWS error document (it does not implement this operation)`;
  }
  const firstLine = err.message.split('\n')[0] ?? '';
  return `${err.name}: ${firstLine}`;
}

/**
 * Call an AWS API for a scope. Access denied or unusable credentials become a
 * SourceUnavailableError naming the account, region, the action and the fix; any other
 * error is rethrown as it is.
 */
export async function awsCall<T>(
  account: AwsAccount,
  region: string | undefined,
  action: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAccessDenied(err)) throw accessDenied(account, region, action, err);
    throw err;
  }
}

/** Errors that mean the credentials themselves are missing, expired or not accepted. */
const CREDENTIALS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);

export function accessDenied(
  account: AwsAccount,
  region: string | undefined,
  action: string,
  err: unknown,
): SourceUnavailableError {
  const where = describeTarget(account, region);
  const why = describeAwsError(err);
  const credentials = err instanceof Error && CREDENTIALS.has(err.name);
  let message: string;
  if (account.roleArn !== undefined) {
    message = `${action} failed in ${where} (${why}); check that ${account.roleArn} exists, trusts the collector's account${account.externalId ? ' with the configured external id' : ''} and allows ${action} (see docs/aws-collectors.md)`;
  } else if (credentials) {
    message = `no usable AWS credentials for ${where} (${why}); set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role) that are valid now`;
  } else {
    message = `${action} was refused in ${where} (${why}); grant ${action} to the collector's credentials (see docs/aws-collectors.md for the full list of read actions)`;
  }
  return new SourceUnavailableError(message, { cause: err });
}

export { mapLimit } from '../concurrency.js';

/** An SDK response object as plain JSON data: Dates become ISO strings, undefined keys vanish. */
export function plain<T>(value: T): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
