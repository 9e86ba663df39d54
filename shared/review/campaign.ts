/**
 * Access review campaigns (CC6.2, CC6.3): start from the sealed snapshots of a day, record
 * signed decisions, close once every account is decided by its reviewer and every removal is
 * proven from later sealed snapshots. Every step writes a signed, write-once record
 * (records.ts) through the one writer (evidence/records.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { COLLECTORS } from '../collectors/registry.js';
import type { Config } from '../config.js';
import { CorruptEvidenceError, UsageError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { addDaysToInstant, dayOf } from '../evidence/days.js';
import { writeSignedRecord } from '../evidence/records.js';
import { type Signer, signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import type { Locker } from '../locker/types.js';
import { configuredScopes } from '../sample/run.js';
import { oneLine } from '../text/escape.js';
import { TOOL } from '../version.js';
import { accountsOf, PopulationError, type ReviewAccount, systemSource } from './population.js';
import {
  CAMPAIGN_SCHEMA,
  type Campaign,
  type CampaignSource,
  type CampaignState,
  CLOSE_SCHEMA,
  type Close,
  campaignStates,
  completeClose,
  DECISIONS_SCHEMA,
  type Decisions,
  type KnownCampaign,
  listReviewRecords,
  REFUSED_SCHEMA,
  type Refused,
  type Removal,
  type ReviewRecordName,
  readReviewRecords,
  requireCampaign,
  reviewRecordKey,
} from './records.js';
import { assignReviewers, isOwnAccount, type Reviewers } from './reviewers.js';
import { type ReviewSystem, reviewSettings } from './settings.js';
import { parseDecisions } from './sheets.js';
import { type ReadSnapshot, readSealedSnapshots } from './snapshots.js';

export interface WriteOptions {
  locker: Locker;
  config: Config;
  clock: Clock;
  signer: Signer;
}

/**
 * Writes one signed record of campaign `id` at `now`. `onExists` 'suffix' lets two records of
 * the same instant both stand; 'throw' refuses a second (one campaign record per id).
 */
function writeReviewRecord(
  options: WriteOptions,
  id: string,
  name: ReviewRecordName,
  value: unknown,
  now: Date,
  onExists: 'suffix' | 'throw',
) {
  return writeSignedRecord(options.locker, {
    key: reviewRecordKey(id, name, now),
    value,
    at: now,
    retentionDays: options.config.locker.retentionDays,
    signer: options.signer,
    onExists,
  });
}

/** The campaign of one system as of one day: its population from that day's sealed snapshots. */
export async function startCampaign(
  options: WriteOptions & {
    system: ReviewSystem;
    asOf: string;
    reviewers: Reviewers;
    reviewersSha256: string | null;
  },
): Promise<{ key: string; sha256: string; campaign: Campaign; notes: string[] }> {
  const { locker, config, system, asOf } = options;
  if (config[system] === undefined)
    throw new UsageError(
      `--system ${system}: the configuration does not collect ${system}; add its section first`,
    );
  const now = options.clock.now();
  if (asOf > dayOf(now)) throw new UsageError(`--as-of ${asOf} is in the future`);
  await locker.check();
  const { collector: primary, related } = systemSource(system);
  const read = await readSealedSnapshots(locker, config, {
    from: asOf,
    to: asOf,
    collectors: [primary, ...related],
  });
  const notes = [...read.notes];
  // Any snapshot of the day that is not sealed and intact refuses the campaign: its
  // population must be the one the chain vouches for.
  const tampered = read.snapshots.filter((s) => s.integrity !== 'sealed' && s.integrity !== 'not-sealed');
  if (tampered.length)
    throw new CorruptEvidenceError(
      tampered[0]!.key,
      `refusing to start a campaign on ${asOf}: ${tampered.map((s) => `${s.key} ${s.integrity} (${s.detail})`).join('; ')}`,
    );
  const unsealed = read.snapshots.filter((s) => s.integrity === 'not-sealed');
  if (unsealed.length)
    throw new UsageError(
      `refusing to start a campaign on ${asOf}: ${unsealed.length} snapshot(s) of that day are not sealed (${unsealed[0]!.key}); run evidence seal --day ${asOf} first`,
    );
  const scopes = new Set(configuredScopes(primary, config, COLLECTORS, notes));
  for (const s of read.snapshots) if (s.collector === primary) scopes.add(s.scope);
  if (scopes.size === 0)
    throw new UsageError(
      `no ${primary} snapshot on ${asOf}: nothing to review (collect and seal that day first)`,
    );
  const sources: CampaignSource[] = [];
  const population: ReviewAccount[] = [];
  for (const scope of [...scopes].sort()) {
    const own = latestOk(read.snapshots, primary, scope);
    if (!own)
      throw new UsageError(
        `no complete (status ok) sealed ${primary}/${scope} snapshot on ${asOf}: the population would be incomplete; collect and seal a complete one, or choose another --as-of`,
      );
    const context = related
      .map((c) => latestOk(read.snapshots, c, scope, true))
      .filter((s): s is ReadSnapshot => s !== undefined);
    for (const c of related)
      if (!context.some((s) => s.collector === c))
        notes.push(`no sealed ${c}/${scope} snapshot on ${asOf}: the sheets show no groups for its accounts`);
    try {
      population.push(
        ...accountsOf(
          system,
          own.snapshot!,
          context.map((s) => s.snapshot!),
          { prefixScope: scopes.size > 1 },
        ),
      );
    } catch (err) {
      if (err instanceof PopulationError) throw new UsageError(`refusing to start: ${err.message}`);
      throw err;
    }
    for (const s of [own, ...context])
      sources.push({
        collector: s.collector,
        scope: s.scope,
        key: s.key,
        sha256: s.sha256!,
        digest: s.digest!,
        collectedAt: s.snapshot!.collectedAt,
        role: s === own ? 'population' : 'context',
      });
  }
  population.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  const assignments = assignReviewers(population, options.reviewers);
  const id = `${system}-${asOf}-${randomBytes(4).toString('hex')}`;
  const campaign: Campaign = {
    schema: CAMPAIGN_SCHEMA,
    id,
    system,
    asOf,
    startedAt: now.toISOString(),
    removalSlaDays: reviewSettings(config).removalSlaDays,
    sources,
    population,
    assignments,
    delegates: options.reviewers.delegates,
    reviewersFile: options.reviewersSha256 ? { sha256: options.reviewersSha256 } : null,
    command: `evidence review start --system ${system} --as-of ${asOf}`,
    tool: { name: TOOL.name, version: TOOL.version },
  };
  const written = await writeReviewRecord(options, id, 'campaign', campaign, now, 'throw');
  return { key: written.key, sha256: written.sha256, campaign, notes };
}

function latestOk(
  snapshots: readonly ReadSnapshot[],
  collector: string,
  scope: string,
  partialToo = false,
): ReadSnapshot | undefined {
  return snapshots
    .filter(
      (s) =>
        s.collector === collector &&
        s.scope === scope &&
        s.snapshot &&
        (s.snapshot.status === 'ok' || (partialToo && s.snapshot.status === 'partial')),
    )
    .sort((a, b) => (a.key < b.key ? 1 : -1))[0];
}

/** Every record of one campaign, read back and judged (signatures against the trusted keys). */
export async function loadCampaign(
  locker: Locker,
  config: Config,
  id: string,
): Promise<CampaignState | undefined> {
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const listing = await listReviewRecords(locker, id);
  const records = await readReviewRecords(locker, listing, trusted.keys, sha256Hex);
  return campaignStates(records).get(id);
}

/** The reviewer and delegates who may decide an account. */
export function mayDecide(campaign: Campaign, account: string, by: string): boolean {
  const reviewer = campaign.assignments.find((a) => a.account === account)?.reviewer;
  if (!reviewer) return false;
  const allowed = [reviewer, ...(campaign.delegates[reviewer] ?? [])].map((n) => n.toLowerCase());
  return allowed.includes(by.trim().toLowerCase());
}

export class SelfReviewError extends UsageError {
  override name = 'SelfReviewError';
}

/** Record a filled-in sheet's decisions, signed; refused (nothing written) on any bad row. */
export async function recordDecisions(
  options: WriteOptions & { id: string; text: string; file: string; by: string },
): Promise<{ key: string; sha256: string; record: Decisions }> {
  const { locker, config, id } = options;
  const by = oneLine(options.by).trim();
  if (!by) throw new UsageError('--by is empty: give the reviewer login in the reviewed system');
  const state = await loadCampaign(locker, config, id);
  requireCampaign(state, id);
  const closed = completeClose(state);
  if (closed) throw new UsageError(`--campaign ${id} is closed (${closed.key}): no decision can be added`);
  const campaign = state.campaign.value;
  const rows = parseDecisions(options.text, options.file);
  if (rows.length === 0)
    throw new UsageError(`--decisions ${options.file}: no decision in it (fill in the decision column)`);
  const population = new Map(campaign.population.map((a) => [a.account, a]));
  const unknown = rows.filter((r) => !population.has(r.account));
  if (unknown.length)
    throw new UsageError(
      `--decisions ${options.file}: refused, nothing written: not in the population of ${id}: ${unknown
        .slice(0, 10)
        .map((r) => `line ${r.line} ${JSON.stringify(oneLine(r.account))}`)
        .join(', ')}`,
    );
  const now = options.clock.now();
  const fileSha256 = sha256Hex(Buffer.from(options.text, 'utf8'));
  const own = rows.filter((r) => isOwnAccount(population.get(r.account)!, by));
  if (own.length) {
    // No decision is written; the attempt is, so that the workpaper lists it.
    const refused: Refused = {
      schema: REFUSED_SCHEMA,
      campaign: id,
      by,
      at: now.toISOString(),
      file: { sha256: fileSha256 },
      refused: own.map((r) => ({
        account: r.account,
        reason: `self-review: ${by} decided ${r.decision} on their own account`,
      })),
      tool: { name: TOOL.name, version: TOOL.version },
    };
    const written = await writeReviewRecord(options, id, 'refused', refused, now, 'suffix');
    throw new SelfReviewError(
      `--decisions ${options.file}: refused, no decision written: ${by} may not review their own account (${own
        .map((r) => `line ${r.line} ${JSON.stringify(oneLine(r.account))}`)
        .join(', ')}); the refused attempt is recorded as ${written.key}`,
    );
  }
  const record: Decisions = {
    schema: DECISIONS_SCHEMA,
    campaign: id,
    by,
    recordedAt: now.toISOString(),
    file: { sha256: fileSha256 },
    decisions: rows.map((r) => ({ account: r.account, decision: r.decision, note: r.note })),
    tool: { name: TOOL.name, version: TOOL.version },
  };
  const written = await writeReviewRecord(options, id, 'decisions', record, now, 'suffix');
  return { key: written.key, sha256: written.sha256, record };
}

/** What close found, before it is written. */
export function judgeCampaign(
  state: KnownCampaign,
  removals: ReadonlyMap<string, Removal>,
  now: Date,
): Omit<Close, 'schema' | 'tool'> {
  const campaign = state.campaign.value;
  const latest = new Map<
    string,
    { decision: Decisions['decisions'][number]; by: string; at: string; key: string }
  >();
  for (const d of [...state.decisions].sort((a, b) => (a.key < b.key ? -1 : 1)))
    for (const row of d.value.decisions)
      latest.set(row.account, { decision: row, by: d.value.by, at: d.value.recordedAt, key: d.key });
  const accounts: Close['accounts'] = [];
  const missing: string[] = [];
  for (const a of campaign.assignments) {
    const l = latest.get(a.account);
    if (!l) {
      accounts.push({
        account: a.account,
        reviewer: a.reviewer,
        decision: null,
        note: '',
        by: null,
        at: null,
        record: null,
        counts: false,
        removal: null,
        problem: 'undecided',
      });
      missing.push(`${a.account}: no decision yet (reviewer ${a.reviewer})`);
      continue;
    }
    const counts = mayDecide(campaign, a.account, l.by);
    let problem: string | null = null;
    if (!counts) {
      problem = `decided by ${l.by}, who is neither the assigned reviewer ${a.reviewer} nor a named delegate`;
      missing.push(`${a.account}: ${problem}`);
    }
    let removal: Removal | null = null;
    if (l.decision.decision === 'remove') {
      removal = removals.get(a.account) ?? {
        status: 'pending',
        deadline: addDaysToInstant(new Date(l.at), campaign.removalSlaDays).toISOString(),
        key: null,
        sha256: null,
        collectedAt: null,
      };
      if (removal.status !== 'removed') {
        const why =
          removal.status === 'late'
            ? `removed late: first absent from ${removal.key} collected ${removal.collectedAt}, after the deadline ${removal.deadline}`
            : removal.status === 'not-done'
              ? `to be removed by ${removal.deadline}, and still present in every sealed snapshot since the decision`
              : `to be removed by ${removal.deadline}; not yet absent from a sealed snapshot (close again later)`;
        problem = problem ? `${problem}; ${why}` : why;
        missing.push(`${a.account}: ${why}`);
      }
    }
    accounts.push({
      account: a.account,
      reviewer: a.reviewer,
      decision: l.decision.decision,
      note: l.decision.note,
      by: l.by,
      at: l.at,
      record: l.key,
      counts,
      removal,
      problem,
    });
  }
  for (const r of state.rejected) missing.push(`${r.key}: counts for nothing (${r.why})`);
  const decided = accounts.filter((a) => a.decision !== null && a.counts);
  const summary = {
    population: campaign.population.length,
    decided: decided.length,
    keep: decided.filter((a) => a.decision === 'keep').length,
    remove: decided.filter((a) => a.decision === 'remove').length,
    change: decided.filter((a) => a.decision === 'change').length,
    undecided: accounts.filter((a) => a.decision === null).length,
    removedInTime: accounts.filter((a) => a.removal?.status === 'removed').length,
    removedLate: accounts.filter((a) => a.removal?.status === 'late').length,
    notRemoved: accounts.filter((a) => a.removal?.status === 'not-done').length,
    pending: accounts.filter((a) => a.removal?.status === 'pending').length,
  };
  return {
    campaign: campaign.id,
    closedAt: now.toISOString(),
    complete: missing.length === 0,
    removalSlaDays: campaign.removalSlaDays,
    accounts,
    refusedRecords: state.rejected.map((r) => ({ key: r.key, why: r.why })),
    missing,
    summary,
    decisionRecords: state.decisions.map((d) => ({ key: d.key, sha256: d.sha256 })),
  };
}

/**
 * Where each `remove` stands: the first sealed, intact, complete snapshot of the account's scope
 * collected after the decision that no longer holds it, and whether that was by the deadline.
 */
export async function proveRemovals(
  locker: Locker,
  config: Config,
  state: KnownCampaign,
  now: Date,
): Promise<{ removals: Map<string, Removal>; notes: string[] }> {
  const campaign = state.campaign.value;
  const pending: { account: ReviewAccount; at: string }[] = [];
  const latest = new Map<string, { decision: string; at: string; by: string }>();
  for (const d of [...state.decisions].sort((a, b) => (a.key < b.key ? -1 : 1)))
    for (const row of d.value.decisions)
      latest.set(row.account, { decision: row.decision, at: d.value.recordedAt, by: d.value.by });
  for (const a of campaign.population) {
    const l = latest.get(a.account);
    if (l?.decision === 'remove') pending.push({ account: a, at: l.at });
  }
  const removals = new Map<string, Removal>();
  if (pending.length === 0) return { removals, notes: [] };
  const from = pending.map((p) => dayOf(new Date(p.at))).sort()[0]!;
  const { collector: primary } = systemSource(campaign.system);
  const read = await readSealedSnapshots(locker, config, { from, to: dayOf(now), collectors: [primary] });
  const notes = [...read.notes];
  const usable = read.snapshots
    .filter((s) => s.integrity === 'sealed' && s.snapshot?.status === 'ok')
    .sort((a, b) => (a.snapshot!.collectedAt < b.snapshot!.collectedAt ? -1 : 1));
  for (const s of read.snapshots)
    if (s.integrity !== 'sealed') notes.push(`${s.key}: ${s.integrity} (${s.detail}); not used as proof`);
  const multi = new Set(campaign.population.map((a) => a.scope)).size > 1;
  const present = new Map<string, Set<string> | null>();
  const accountsIn = (s: ReadSnapshot): Set<string> | null => {
    if (!present.has(s.key)) {
      try {
        present.set(
          s.key,
          new Set(accountsOf(campaign.system, s.snapshot!, [], { prefixScope: multi }).map((a) => a.account)),
        );
      } catch (err) {
        if (!(err instanceof PopulationError)) throw err;
        notes.push(`${s.key}: ${err.message}; not used as proof`);
        present.set(s.key, null);
      }
    }
    return present.get(s.key)!;
  };
  for (const p of pending) {
    const deadline = addDaysToInstant(new Date(p.at), campaign.removalSlaDays);
    const proof = usable.find((s) => {
      if (s.scope !== p.account.scope || s.snapshot!.collectedAt < p.at) return false;
      const accounts = accountsIn(s);
      return accounts !== null && !accounts.has(p.account.account);
    });
    if (proof) {
      removals.set(p.account.account, {
        status: proof.snapshot!.collectedAt <= deadline.toISOString() ? 'removed' : 'late',
        deadline: deadline.toISOString(),
        key: proof.key,
        sha256: proof.sha256,
        collectedAt: proof.snapshot!.collectedAt,
      });
    } else {
      removals.set(p.account.account, {
        status: now > deadline ? 'not-done' : 'pending',
        deadline: deadline.toISOString(),
        key: null,
        sha256: null,
        collectedAt: null,
      });
    }
  }
  return { removals, notes };
}

/** Close a campaign: judge it, write the signed result (complete or not). */
export async function closeCampaign(
  options: WriteOptions & { id: string },
): Promise<{ key: string; sha256: string; close: Close; notes: string[]; state: KnownCampaign }> {
  const { locker, config, id } = options;
  const state = await loadCampaign(locker, config, id);
  requireCampaign(state, id);
  const closed = completeClose(state);
  if (closed) throw new UsageError(`--campaign ${id} is closed already, complete (${closed.key})`);
  const now = options.clock.now();
  const { removals, notes } = await proveRemovals(locker, config, state, now);
  const close: Close = {
    schema: CLOSE_SCHEMA,
    ...judgeCampaign(state, removals, now),
    tool: { name: TOOL.name, version: TOOL.version },
  };
  const written = await writeReviewRecord(options, id, 'close', close, now, 'suffix');
  state.closes.push({ key: written.key, sha256: written.sha256, value: close });
  return { key: written.key, sha256: written.sha256, close, notes, state };
}
