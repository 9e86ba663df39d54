/**
 * The organization the org-verify bench seals and verifies: `accounts` accounts (the first the
 * credentials' own, the others listed in aws.accounts) × the 17 default regions × the AWS
 * collectors of the registry (GuardDuty and AWS Config per region, IAM and CloudTrail per
 * account), one snapshot per series and day on the synthetic locker.
 */
import { DEFAULT_ENABLED_REGIONS } from '../shared/aws/regions.js';
import { COLLECTORS } from '../shared/collectors/registry.js';
import { type Config, parseConfig } from '../shared/config.js';
import { awsSeries, SyntheticLocker } from '../test/helpers/synthetic-locker.js';

export const REGIONAL = ['guardduty', 'aws-config'] as const;
export const PER_ACCOUNT = ['iam', 'cloudtrail'] as const;
export const RETENTION_DAYS = 730;

export function accountIds(accounts: number): string[] {
  return Array.from({ length: accounts }, (_, i) => String(100_000_000_000 + i));
}

export function orgLocker(dir: string, from: string, to: string, accounts: number): SyntheticLocker {
  return new SyntheticLocker({
    dir,
    from,
    to,
    retentionDays: RETENTION_DAYS,
    series: awsSeries(accountIds(accounts), DEFAULT_ENABLED_REGIONS, {
      regional: REGIONAL,
      account: PER_ACCOUNT,
    }),
  });
}

export function orgConfig(from: string, accounts: number): Config {
  return parseConfig({
    locker: { retentionDays: RETENTION_DAYS },
    aws: {
      regions: [...DEFAULT_ENABLED_REGIONS],
      accounts: accountIds(accounts)
        .slice(1)
        .map((id) => ({ id })),
    },
    auditPeriod: { start: from },
  });
}

export const orgCollectors = () =>
  COLLECTORS.filter(
    (c) =>
      (REGIONAL as readonly string[]).includes(c.id) || (PER_ACCOUNT as readonly string[]).includes(c.id),
  );
