/**
 * The accounts of a system as one sealed snapshot shows them: the population of an access
 * review, and what a later snapshot must no longer hold once an account is removed. Each
 * system's rule lives with its collector (`reviewAccounts` in the collector's folder: okta-users,
 * github-members, iam); this module finds it through the registry.
 *
 * An account is one string: the Okta login, the GitHub login, `<account id>/user/<name>` or
 * `<account id>/role/<name>`; with more than one scope of the system, `<scope>/` is put first.
 */
import { MODULES } from '../collectors/registry.js';
import { type ReviewAccount, type ReviewAccounts, ReviewPopulationError } from '../collectors/types.js';
import type { Snapshot } from '../evidence/snapshot.js';
import type { ReviewSystem } from './settings.js';

export type { ReviewAccount };
export { ReviewPopulationError as PopulationError };

/** The collector whose snapshots hold the system's accounts, and its rule. */
export function systemSource(system: ReviewSystem): {
  collector: string;
  related: readonly string[];
  rule: ReviewAccounts;
} {
  const module = MODULES.find((m) => m.reviewAccounts?.system === system);
  if (!module?.reviewAccounts) throw new Error(`no registered collector declares the accounts of ${system}`);
  return {
    collector: module.collector.id,
    related: module.reviewAccounts.related ?? [],
    rule: module.reviewAccounts,
  };
}

/** Every account of the system in one snapshot of its collector (and related ones of the same day). */
export function accountsOf(
  system: ReviewSystem,
  snapshot: Snapshot,
  related: readonly Snapshot[],
  options: { prefixScope: boolean },
): ReviewAccount[] {
  const prefix = options.prefixScope ? `${snapshot.scope}/` : '';
  try {
    return systemSource(system).rule.accounts(snapshot, related, prefix);
  } catch (err) {
    if (err instanceof ReviewPopulationError) throw err;
    throw new ReviewPopulationError(
      `${snapshot.collector}/${snapshot.scope} collected ${snapshot.collectedAt}: its accounts cannot be read (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}
