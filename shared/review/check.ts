/**
 * access-review-completed (CC6.2, CC6.3): judges one access review campaign from its signed
 * records, as verify read them (review/cadence.ts). Pass: closed complete, every account decided
 * by its reviewer or a delegate, every removal proven in time, and every record it rests on
 * still standing. Anything else fails, naming the accounts or records; never closed is a fail.
 */
import { fail, pass, type RecordCheck } from '../checks/types.js';

export interface CampaignVerdictInput {
  id: string;
  status: 'complete' | 'incomplete' | 'open';
  closeKey: string | null;
  population: number;
  missing: string[];
  /** Accounts (or record keys) the missing items name. */
  failing: string[];
}

export const accessReviewCompletedCheck: RecordCheck<CampaignVerdictInput> = {
  id: 'access-review-completed',
  controls: ['CC6.2', 'CC6.3'],
  reads: 'reviews/',
  title: 'Access review completed',
  description:
    'an access review campaign is closed complete: every account of the sealed population decided (keep, remove, change) by its assigned reviewer or a named delegate, never by its owner, and every removal absent from a sealed snapshot within reviews.removalSlaDays, on records that are signed, sealed and intact',
  procedure:
    'Open the campaign workpaper (evidence review workpaper); fetch each source snapshot and compare its SHA-256 with the workpaper and the digest; count the accounts by the population rule (docs/access-reviews.md) and compare with the population; for each decision, check the reviewer against the assignment; for each removal, fetch the named snapshot, check its SHA-256 and that the account is absent and that it was collected before the deadline; verify each record signature with openssl.',
  remediation:
    'Record the missing decisions (evidence review record), carry out the removals, then evidence review close again; a record reported altered, unsigned or unsealed is an incident.',
  run(c) {
    if (c.status === 'open') return fail(`${c.id} was never closed (evidence review close)`, [c.id]);
    if (c.status === 'complete' && c.missing.length === 0)
      return pass(
        `${c.id}: all ${c.population} account(s) decided and every removal proven in time (${c.closeKey})`,
      );
    return fail(
      `${c.id} is not complete: ${c.missing.slice(0, 5).join('; ')}${c.missing.length > 5 ? '; ...' : ''}`,
      c.failing.length ? c.failing : [c.id],
    );
  },
};
