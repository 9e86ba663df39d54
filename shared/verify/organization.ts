/**
 * With `aws.organization`, the expected AWS series of a day are derived from that day's
 * `organization` snapshot (the in-scope inventory the collection itself used), read back from
 * the locker: an account is expected from the first day a usable snapshot lists it in scope,
 * and no longer from the first day it is absent, without a retirement record.
 *
 * Fail closed: a day whose inventory is not usable (no snapshot, only error or partial ones,
 * or every one late, misfiled, unsealed, altered, deleted or badly signed) cannot say which
 * series were expected. That day each AWS collector is expected under the placeholder scope
 * `aws-unresolved`, which never has evidence, and a note names the day and why; the
 * `organization` series itself is judged like any other. So is a collector whose scopes
 * cannot be derived from a day's inventory (its `scopes` throws).
 *
 * The inventory is read (one GET per usable snapshot of the window) and its bytes compared
 * with what the digest sealed, so an inventory rewritten past the listing's screen (same size
 * and file time on a directory locker) is `hash-mismatch`, never trusted.
 */

import type { OrganizationAccount, OrganizationInventory } from '../aws/organization.js';
import type { AnyCollector } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { errorMessage, NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { addDays, daysBetween, laterDay } from '../evidence/days.js';
import { parseJson } from '../evidence/read.js';
import { seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { type ExpectedSeries, sinceOf } from './expected.js';
import type { SnapshotFacts } from './facts.js';
import { disqualifying } from './series.js';
import type { IntegrityProblem } from './types.js';

export const ORGANIZATION_SERIES = { collector: 'organization', scope: 'aws-organization' } as const;
/** The scope a collector is expected under on a day whose series cannot be derived. */
export const UNRESOLVED_SCOPE = 'aws-unresolved';

export interface OrganizationDerivation {
  series: ExpectedSeries[];
  /** Problems found reading the inventories (altered, corrupt). */
  problems: IntegrityProblem[];
  notes: string[];
  objectsRead: number;
}

interface DayInventory {
  day: string;
  inventory?: Pick<OrganizationInventory, 'accounts' | 'discoveredFrom'>;
  /** Why there is none. */
  why?: string;
}

/**
 * The AWS collectors whose scopes follow the organization (every AWS collector but the
 * `organization` one), expected day by day over [from, to].
 */
export async function deriveFromOrganization(options: {
  locker: Locker;
  config: Config;
  collectors: readonly AnyCollector[];
  window: { from: string; to: string };
  facts: ReadonlyMap<string, SnapshotFacts>;
  problemsByKey: ReadonlyMap<string, IntegrityProblem[]>;
  concurrency: number;
}): Promise<OrganizationDerivation> {
  const { config, collectors } = options;
  const out: OrganizationDerivation = { series: [], problems: [], notes: [], objectsRead: 0 };
  const orgSince = sinceOf(config, 'aws', ORGANIZATION_SERIES.scope).since;
  const from = laterDay(orgSince, options.window.from);
  if (collectors.length === 0 || from > options.window.to) return out;
  const days = daysBetween(from, options.window.to);
  const inventories = await readInventories(options, days, out);

  // Day by day: the series each collector would have collected from that inventory.
  const scopesFor = new Map<string, Map<AnyCollector, string[]>>();
  const runs = new Map<
    string,
    { collector: AnyCollector; scope: string; ranges: { from: string; to: string }[] }
  >();
  const since = new Map<string, { since: string; sinceReason: string }>();
  const expect = (collector: AnyCollector, scope: string, day: string) => {
    const id = seriesId(collector.id, scope);
    let s = since.get(id);
    if (!s) {
      s = sinceOf(config, 'aws', scope);
      since.set(id, s);
    }
    if (day < s.since) return;
    let run = runs.get(id);
    if (!run) {
      run = { collector, scope, ranges: [] };
      runs.set(id, run);
    }
    const last = run.ranges.at(-1);
    if (last?.to === day) return; // expected twice on one day (the placeholder, derived and for want of an inventory)
    if (last && addDays(last.to, 1) === day) last.to = day;
    else run.ranges.push({ from: day, to: day });
  };
  const unresolved: string[] = [];
  for (const { day, inventory, why } of inventories) {
    // Without an inventory: the placeholder, and the accounts aws.accounts lists (as configured).
    const known = inventory ?? { discoveredFrom: undefined, accounts: [] };
    const fingerprint = inventoryFingerprint(known);
    let scopes = scopesFor.get(fingerprint);
    if (!scopes) {
      scopes = new Map();
      for (const c of collectors) {
        try {
          // Only the role of the credentials' own account depends on it, never a scope id.
          const env = {
            defaultAccountId: known.discoveredFrom ?? 'unknown',
            organization: known as OrganizationInventory,
          };
          scopes.set(
            c,
            c.scopes(config, env).map((s: { id: string }) => s.id),
          );
        } catch (err) {
          // Fail closed: nothing derived is never "nothing expected"; the placeholder never has evidence.
          scopes.set(c, [UNRESOLVED_SCOPE]);
          out.notes.push(
            `${c.id}: its scopes could not be derived from an inventory (${errorMessage(err)}); it is expected under ${UNRESOLVED_SCOPE} on the days of that inventory`,
          );
        }
      }
      scopesFor.set(fingerprint, scopes);
    }
    for (const c of collectors) {
      for (const scope of scopes.get(c) ?? []) expect(c, scope, day);
      if (!inventory) expect(c, UNRESOLVED_SCOPE, day);
    }
    if (!inventory) unresolved.push(`${day}: ${why}`);
  }
  if (unresolved.length)
    out.notes.push(
      `aws.organization: the AWS series of ${unresolved.length} day(s) cannot be derived, for want of a usable organization snapshot; each AWS collector is expected under ${UNRESOLVED_SCOPE} on those days (acknowledge them with the cause): ${unresolved.join('; ')}`,
    );
  const reasons = new Map(inventories.filter((d) => !d.inventory).map((d) => [d.day, d.why!]));
  for (const [id, run] of [...runs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const configured = since.get(id)!;
    const first = run.ranges[0]!.from;
    let sinceDay = configured.since;
    let sinceReason = configured.sinceReason;
    if (run.scope === UNRESOLVED_SCOPE) {
      sinceDay = first;
      sinceReason = reasons.has(first)
        ? `aws.organization: no usable organization snapshot on ${first} (${reasons.get(first)}): the AWS series of that day cannot be derived`
        : `aws.organization: the scopes of ${run.collector.id} could not be derived from the organization snapshot of ${first}`;
    } else if (first > laterDay(configured.since, from)) {
      // In scope later than both the window's start and its configured since.
      sinceDay = first;
      sinceReason = `aws.organization: first in scope in the organization snapshot of ${first}`;
    }
    out.series.push({
      collector: run.collector.id,
      scope: run.scope,
      series: id,
      controls: run.collector.controls,
      since: sinceDay,
      sinceReason,
      ranges: run.ranges,
    });
  }
  return out;
}

/** Each day's usable inventory (the union of its usable `ok` snapshots), or why there is none. */
async function readInventories(
  options: Parameters<typeof deriveFromOrganization>[0],
  days: readonly string[],
  out: OrganizationDerivation,
): Promise<DayInventory[]> {
  const wanted = new Set(days);
  const byDay = new Map<string, SnapshotFacts[]>();
  const series = seriesId(ORGANIZATION_SERIES.collector, ORGANIZATION_SERIES.scope);
  for (const f of options.facts.values()) {
    if (f.series !== series || !wanted.has(f.parts.day)) continue;
    byDay.set(f.parts.day, [...(byDay.get(f.parts.day) ?? []), f]);
  }
  // Problems on keys of the series that have no facts (a sealed snapshot since deleted).
  const gone = new Map<string, string[]>();
  for (const [key, problems] of options.problemsByKey) {
    const m = /^snapshots\/(\d{4}-\d{2}-\d{2})\/organization\/aws-organization\//.exec(key);
    if (m && wanted.has(m[1]!))
      gone.set(m[1]!, [...(gone.get(m[1]!) ?? []), ...problems.map((p) => p.problem)]);
  }
  return mapLimit(days, options.concurrency, async (day): Promise<DayInventory> => {
    const found = byDay.get(day) ?? [];
    const blocked: string[] = [];
    const inventories: Pick<OrganizationInventory, 'accounts' | 'discoveredFrom'>[] = [];
    for (const f of found) {
      const why = disqualifying(f, options.problemsByKey);
      if (why.length) {
        blocked.push(`${f.key} ${[...new Set(why.map((p) => p.problem))].join(', ')}`);
        continue;
      }
      if (f.status !== 'ok') {
        blocked.push(`${f.key} is ${f.status ?? 'no envelope'}`);
        continue;
      }
      const read = await readInventory(options.locker, f);
      out.objectsRead++;
      if ('problem' in read) {
        out.problems.push(read.problem);
        blocked.push(`${f.key} ${read.problem.problem}`);
        continue;
      }
      inventories.push(read.inventory);
    }
    if (inventories.length) return { day, inventory: union(inventories) };
    const deleted = (gone.get(day) ?? []).filter((p) => !blocked.some((b) => b.endsWith(p)));
    const why = blocked.length
      ? blocked.join('; ')
      : deleted.length
        ? `its organization snapshot is ${[...new Set(deleted)].join(', ')}`
        : 'no organization snapshot';
    return { day, why };
  });
}

async function readInventory(
  locker: Locker,
  f: SnapshotFacts,
): Promise<
  { inventory: Pick<OrganizationInventory, 'accounts' | 'discoveredFrom'> } | { problem: IntegrityProblem }
> {
  const series = f.series;
  let body: Buffer;
  try {
    body = (await locker.get(f.key)).body;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    return {
      problem: { key: f.key, problem: 'deleted', detail: 'listed, then no longer in the locker', series },
    };
  }
  const sha256 = sha256Hex(body);
  if (f.sha256 !== undefined && sha256 !== f.sha256) {
    return {
      problem: {
        key: f.key,
        problem: 'hash-mismatch',
        detail: `read to derive the day's expected AWS series: SHA-256 is ${sha256} (${body.byteLength} bytes), ${f.sealedBy ? `${f.sealedBy.key} sealed` : 'it was read earlier as'} ${f.sha256}${f.size !== undefined ? ` (${f.size} bytes)` : ''}`,
        series,
      },
    };
  }
  const corrupt = (why: string) => ({
    problem: {
      key: f.key,
      problem: 'corrupt' as const,
      detail: `an ok organization snapshot without an account inventory (${why}): the day's expected AWS series cannot be derived`,
      series,
    },
  });
  let parsed: unknown;
  try {
    parsed = parseJson(f.key, body);
  } catch (err) {
    return corrupt(errorMessage(err));
  }
  const data = (parsed as { data?: unknown } | null)?.data as
    | { accounts?: unknown; discoveredFrom?: unknown }
    | null
    | undefined;
  if (!data || !Array.isArray(data.accounts)) return corrupt('data.accounts is not a list');
  if (typeof data.discoveredFrom !== 'string') return corrupt('data.discoveredFrom is not an account id');
  for (const [i, a] of (data.accounts as unknown[]).entries()) {
    const account = a as Partial<OrganizationAccount> | null;
    if (
      !account ||
      typeof account.id !== 'string' ||
      !/^\d{12}$/.test(account.id) ||
      typeof account.inScope !== 'boolean'
    )
      return corrupt(`data.accounts[${i}] has no 12-digit id and inScope flag`);
  }
  return {
    inventory: {
      discoveredFrom: data.discoveredFrom,
      accounts: data.accounts as OrganizationAccount[],
    },
  };
}

/** Several usable inventories of one day: an account in scope in any of them is expected. */
function union(
  list: Pick<OrganizationInventory, 'accounts' | 'discoveredFrom'>[],
): Pick<OrganizationInventory, 'accounts' | 'discoveredFrom'> {
  if (list.length === 1) return list[0]!;
  const accounts = new Map<string, OrganizationAccount>();
  for (const inv of list) {
    for (const a of inv.accounts) {
      const before = accounts.get(a.id);
      if (!before || (!before.inScope && a.inScope)) accounts.set(a.id, a);
    }
  }
  return {
    discoveredFrom: list[0]!.discoveredFrom,
    accounts: [...accounts.values()].sort((x, y) => (x.id < y.id ? -1 : 1)),
  };
}

/** What the derived scopes depend on: the discovering account, every account and whether it is in scope. */
function inventoryFingerprint(inv: {
  discoveredFrom?: string;
  accounts: readonly OrganizationAccount[];
}): string {
  return `${inv.discoveredFrom ?? '-'}|${inv.accounts.map((a) => `${a.id}${a.inScope ? '+' : '-'}`).join(',')}`;
}
