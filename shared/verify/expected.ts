/**
 * Which series the verifier expects, and from which day: every configured collector × each
 * of its scopes (a pure function of the config and the scope environment), not only what
 * happens to be in the locker, so a collector that never ran is a gap.
 *
 * The scope environment (the AWS account of the credentials in use) comes from STS when
 * credentials work; otherwise it is inferred from the `aws-<account>...` scopes already in
 * the locker that no `aws.accounts` entry names (docs/verify.md).
 */

import type { AnyCollector, ScopeEnvironment } from '../collectors/types.js';
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { seriesId } from '../evidence/snapshot.js';

export interface ExpectedSeries {
  collector: string;
  scope: string;
  /** `<collector>/<scope>` */
  series: string;
  controls: readonly string[];
  /** First day evidence is expected: auditPeriod.start, or a later `since` the configuration names. */
  since: string;
  /** The configuration key that set `since`. */
  sinceReason: string;
  /**
   * When set, the only days (from `since` on) the series is expected: derived day by day
   * from the `organization` snapshots (aws.organization). Sorted runs of days.
   */
  ranges?: readonly { from: string; to: string }[];
}

export interface ExpectedResult {
  series: ExpectedSeries[];
  /** Things a person should know about how the list was derived. */
  notes: string[];
}

/**
 * Every series the configuration asks for. A collector whose scopes cannot be derived (the
 * default AWS account is unknown) is expected under the scope `<source>-unresolved`, the
 * same name the runner gives the error snapshots it writes in that case, so the gap shows.
 */
export function expectedSeries(
  config: Config,
  collectors: readonly AnyCollector[],
  env: ScopeEnvironment,
): ExpectedResult {
  const series: ExpectedSeries[] = [];
  const notes: string[] = [];
  for (const collector of collectors) {
    let scopes: string[];
    try {
      scopes = collector.scopes(config, env).map((s: { id: string }) => s.id);
    } catch (err) {
      scopes = [`${collector.source}-unresolved`];
      notes.push(
        `${collector.id}: its scopes could not be derived (${errorMessage(err)}); expecting the series ${collector.id}/${collector.source}-unresolved instead`,
      );
    }
    for (const scope of [...new Set(scopes)].sort()) {
      series.push({
        collector: collector.id,
        scope,
        series: seriesId(collector.id, scope),
        controls: collector.controls,
        ...sinceOf(config, collector.source, scope),
      });
    }
  }
  return { series, notes };
}

const AWS_SCOPE = /^aws-(\d{12})(?:-|$)/;
const AWS_REGIONAL_SCOPE = /^aws-\d{12}-([a-z0-9-]+)$/;

/**
 * First day a series is expected: auditPeriod.start, or the latest `since` the configuration
 * names for its source, account or region. Nothing is forgiven for want of a snapshot.
 */
export function sinceOf(
  config: Config,
  source: string,
  scope: string,
): { since: string; sinceReason: string } {
  let since = config.auditPeriod.start;
  let sinceReason = 'auditPeriod.start';
  const later = (day: string | undefined, reason: string) => {
    if (day !== undefined && day > since) {
      since = day;
      sinceReason = reason;
    }
  };
  if (source === 'aws' && config.aws) {
    later(config.aws.since, 'aws.since');
    const account = AWS_SCOPE.exec(scope)?.[1];
    const index = (config.aws.accounts ?? []).findIndex((a) => a.id === account);
    if (index >= 0) later(config.aws.accounts[index]!.since, `aws.accounts[${index}].since`);
    const region = AWS_REGIONAL_SCOPE.exec(scope)?.[1];
    if (region) later(config.aws.regionsSince?.[region], `aws.regionsSince.${region}`);
  }
  if (source === 'okta') later(config.okta?.since, 'okta.since');
  if (source === 'github') later(config.github?.since, 'github.since');
  return { since, sinceReason };
}

/**
 * The default AWS account inferred from scopes seen in the locker: the accounts of
 * `aws-<account>...` scopes that the configuration does not list in `aws.accounts`. When
 * several qualify (the collector's credentials changed account), the one seen on the latest
 * day wins and a note says so.
 */
export function inferDefaultAccount(
  config: Config,
  seen: ReadonlyMap<string, string>,
): { accountId?: string; note?: string } {
  const listed = new Set((config.aws?.accounts ?? []).map((a) => a.id));
  const lastDay = new Map<string, string>();
  for (const [scope, day] of seen) {
    const account = AWS_SCOPE.exec(scope)?.[1];
    if (!account || listed.has(account)) continue;
    const before = lastDay.get(account);
    if (!before || day > before) lastDay.set(account, day);
  }
  const ranked = [...lastDay.entries()].sort((a, b) =>
    a[1] === b[1] ? (a[0] < b[0] ? -1 : 1) : a[1] > b[1] ? -1 : 1,
  );
  const first = ranked[0];
  if (!first) return {};
  if (ranked.length === 1) {
    return {
      accountId: first[0],
      note: `default AWS account ${first[0]} inferred from the locker (AWS credentials did not answer STS GetCallerIdentity)`,
    };
  }
  return {
    accountId: first[0],
    note: `default AWS account ${first[0]} inferred from the locker (last seen ${first[1]}); the locker also holds unlisted accounts ${ranked
      .slice(1)
      .map(([a]) => a)
      .join(', ')}: add them to aws.accounts if they are still collected`,
  };
}

export interface ScopeEnvironmentResolution {
  env: ScopeEnvironment;
  notes: string[];
}

/**
 * The scope environment for verification: STS first (only when an AWS collector is
 * configured), else inferred from the locker's scopes (`seen`: scope → last day seen).
 */
export async function resolveScopeEnvironment(
  config: Config,
  collectors: readonly AnyCollector[],
  seen: () => Promise<ReadonlyMap<string, string>>,
  callerAccount?: () => Promise<string>,
): Promise<ScopeEnvironmentResolution> {
  if (!collectors.some((c) => c.source === 'aws')) return { env: {}, notes: [] };
  let stsError: unknown;
  if (callerAccount) {
    try {
      return { env: { defaultAccountId: await callerAccount() }, notes: [] };
    } catch (err) {
      stsError = err;
    }
  }
  const inferred = inferDefaultAccount(config, await seen());
  const notes: string[] = [];
  if (inferred.accountId) {
    if (inferred.note) notes.push(inferred.note);
    return { env: { defaultAccountId: inferred.accountId }, notes };
  }
  notes.push(
    `the default AWS account is unknown: ${stsError ? `STS did not answer (${errorMessage(stsError)})` : 'no AWS credentials were tried'} and the locker holds no aws-<account> scope outside aws.accounts`,
  );
  return { env: {}, notes };
}
