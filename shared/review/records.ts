/**
 * The records of an access review, each written once through the one signed-record writer
 * (evidence/records.ts: signed with the digests' key, sealed by the day's seal, judged by write
 * time), under reviews/<campaign>/:
 *
 *   <instant>-campaign.json    the campaign: system, day, the snapshots (key, SHA-256) it was
 *                              built from, the population and the reviewer of each account
 *   <instant>-decisions.json   one filled-in sheet: keep / remove / change per account, by whom
 *   <instant>-refused.json     an attempt refused for a self-review (no decision is written)
 *   <instant>-close.json       a close: complete or not, what is missing, removals proven
 *
 * Reading them back (loadCampaign) judges each one's signature against the trusted keys: a
 * record that is unsigned, altered or signed by another key counts for nothing.
 */
import * as z from 'zod';
import { CorruptEvidenceError, UsageError } from '../errors.js';
import { compactInstant } from '../evidence/days.js';
import { requireId } from '../evidence/ids.js';
import { parseJson } from '../evidence/read.js';
import { REVIEW_PREFIX, recordInstant } from '../evidence/records.js';
import { SIGNATURE_SUFFIX, type TrustedKeys } from '../evidence/signing.js';
import type { ListedObject, Locker } from '../locker/types.js';
import { readListedBody } from '../verify/inputs.js';
import { type RecordListing, recordSignatureProblem } from '../verify/records.js';
import type { IntegrityProblem } from '../verify/types.js';

export const CAMPAIGN_SCHEMA = 'evidence.review-campaign/1';
export const DECISIONS_SCHEMA = 'evidence.review-decisions/1';
export const REFUSED_SCHEMA = 'evidence.review-refused/1';
export const CLOSE_SCHEMA = 'evidence.review-close/1';

export const RECORD_NAMES = ['campaign', 'decisions', 'refused', 'close'] as const;
export type ReviewRecordName = (typeof RECORD_NAMES)[number];

const Tool = z.object({ name: z.string(), version: z.string() });

const Account = z.object({
  account: z.string(),
  kind: z.enum(['user', 'member', 'outside-collaborator', 'iam-user', 'iam-role']),
  scope: z.string(),
  identities: z.array(z.string()),
  groups: z.array(z.string()),
  manager: z.string().nullable(),
  context: z.record(z.string(), z.string()),
});

const Source = z.object({
  collector: z.string(),
  scope: z.string(),
  key: z.string(),
  sha256: z.string(),
  digest: z.string(),
  collectedAt: z.string(),
  /** Read for context (groups), not for the population. */
  role: z.enum(['population', 'context']),
});
export type CampaignSource = z.infer<typeof Source>;

export const Campaign = z.object({
  schema: z.literal(CAMPAIGN_SCHEMA),
  id: z.string(),
  system: z.enum(['okta', 'github', 'aws']),
  asOf: z.string(),
  startedAt: z.iso.datetime(),
  removalSlaDays: z.number().int().nonnegative(),
  sources: z.array(Source),
  population: z.array(Account),
  assignments: z.array(z.object({ account: z.string(), reviewer: z.string(), via: z.string() })),
  delegates: z.record(z.string(), z.array(z.string())),
  reviewersFile: z.object({ sha256: z.string() }).nullable(),
  /** The command that re-derives the population (the snapshots are named in `sources`). */
  command: z.string(),
  tool: Tool,
});
export type Campaign = z.infer<typeof Campaign>;

export const DECISIONS = ['keep', 'remove', 'change'] as const;
export type Decision = (typeof DECISIONS)[number];

export const Decisions = z.object({
  schema: z.literal(DECISIONS_SCHEMA),
  campaign: z.string(),
  by: z.string().min(1),
  recordedAt: z.iso.datetime(),
  file: z.object({ sha256: z.string() }),
  decisions: z.array(z.object({ account: z.string(), decision: z.enum(DECISIONS), note: z.string() })),
  tool: Tool,
});
export type Decisions = z.infer<typeof Decisions>;

export const Refused = z.object({
  schema: z.literal(REFUSED_SCHEMA),
  campaign: z.string(),
  by: z.string(),
  at: z.iso.datetime(),
  file: z.object({ sha256: z.string() }),
  refused: z.array(z.object({ account: z.string(), reason: z.string() })),
  tool: Tool,
});
export type Refused = z.infer<typeof Refused>;

const Removal = z.object({
  status: z.enum(['removed', 'late', 'not-done', 'pending']),
  /** The instant by which it had to be gone (decision + removalSlaDays). */
  deadline: z.string(),
  /** The first sealed snapshot without the account. */
  key: z.string().nullable(),
  sha256: z.string().nullable(),
  collectedAt: z.string().nullable(),
});
export type Removal = z.infer<typeof Removal>;

export const Close = z.object({
  schema: z.literal(CLOSE_SCHEMA),
  campaign: z.string(),
  closedAt: z.iso.datetime(),
  complete: z.boolean(),
  removalSlaDays: z.number().int().nonnegative(),
  accounts: z.array(
    z.object({
      account: z.string(),
      reviewer: z.string(),
      decision: z.enum(DECISIONS).nullable(),
      note: z.string(),
      by: z.string().nullable(),
      at: z.string().nullable(),
      record: z.string().nullable(),
      /** The decision counts: by the assigned reviewer or a named delegate. */
      counts: z.boolean(),
      removal: Removal.nullable(),
      problem: z.string().nullable(),
    }),
  ),
  /** Decision records that count for nothing (unsigned, altered ...), and why. */
  refusedRecords: z.array(z.object({ key: z.string(), why: z.string() })),
  missing: z.array(z.string()),
  summary: z.object({
    population: z.number(),
    decided: z.number(),
    keep: z.number(),
    remove: z.number(),
    change: z.number(),
    undecided: z.number(),
    removedInTime: z.number(),
    removedLate: z.number(),
    notRemoved: z.number(),
    pending: z.number(),
  }),
  /** The decision records read, with their SHA-256. */
  decisionRecords: z.array(z.object({ key: z.string(), sha256: z.string() })),
  tool: Tool,
});
export type Close = z.infer<typeof Close>;

const SCHEMAS = { campaign: Campaign, decisions: Decisions, refused: Refused, close: Close } as const;

export function reviewRecordKey(campaign: string, name: ReviewRecordName, at: Date): string {
  return `${REVIEW_PREFIX}${campaign}/${compactInstant(at)}-${name}.json`;
}

const KEY_RE =
  /^reviews\/([a-z0-9-]+)\/\d{8}T\d{9}Z(?:-[0-9a-f]{8})?-(campaign|decisions|refused|close)\.json$/;

/** The campaign and record name a key names; undefined for a key outside the layout. */
export function parseReviewKey(key: string): { campaign: string; name: ReviewRecordName } | undefined {
  const m = KEY_RE.exec(key);
  return m ? { campaign: m[1]!, name: m[2] as ReviewRecordName } : undefined;
}

export type ReviewRecord =
  | { name: 'campaign'; value: Campaign }
  | { name: 'decisions'; value: Decisions }
  | { name: 'refused'; value: Refused }
  | { name: 'close'; value: Close };

/** Parse one record's bytes; CorruptEvidenceError when its body is not what its key names. */
export function parseReviewRecord(key: string, body: Buffer): ReviewRecord {
  const where = parseReviewKey(key);
  if (!where)
    throw new CorruptEvidenceError(
      key,
      'not an access review record key (reviews/<campaign>/<instant>-<kind>.json)',
    );
  const parsed = SCHEMAS[where.name].safeParse(parseJson(key, body));
  if (!parsed.success)
    throw new CorruptEvidenceError(
      key,
      `not an access review ${where.name} record (${parsed.error.issues[0]?.path.join('.') || 'top level'}: ${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  const value = parsed.data as { campaign?: string; id?: string };
  const campaign = where.name === 'campaign' ? value.id : value.campaign;
  const instant = (parsed.data as Record<string, unknown>)[
    { campaign: 'startedAt', decisions: 'recordedAt', refused: 'at', close: 'closedAt' }[where.name]
  ] as string;
  if (campaign !== where.campaign || recordInstant(key) !== new Date(instant).toISOString())
    throw new CorruptEvidenceError(key, 'its key names another campaign or instant than its body');
  return { name: where.name, value: parsed.data } as ReviewRecord;
}

/** One record as read back, with what makes it count for nothing (empty: it stands). */
export interface ReadReviewRecord {
  key: string;
  sha256: string;
  record?: ReviewRecord;
  problems: IntegrityProblem[];
}

/** Every record under reviews/ (or one campaign's), one listing. */
export async function listReviewRecords(locker: Locker, campaign?: string): Promise<RecordListing> {
  const listed = new Map<string, ListedObject>();
  const signatures = new Set<string>();
  for await (const item of locker.list(campaign ? `${REVIEW_PREFIX}${campaign}/` : REVIEW_PREFIX)) {
    if (item.key.endsWith(SIGNATURE_SUFFIX)) signatures.add(item.key);
    else if (item.key.endsWith('.json')) listed.set(item.key, item);
  }
  return { listed, signatures };
}

/** The review records (and their signatures) of a listing of every signed record. */
export function reviewListingOf(records: RecordListing): RecordListing {
  const listed = new Map<string, ListedObject>();
  const signatures = new Set<string>();
  for (const [key, item] of records.listed)
    if (key.startsWith(REVIEW_PREFIX) && key.endsWith('.json')) listed.set(key, item);
  for (const key of records.signatures) if (key.startsWith(REVIEW_PREFIX)) signatures.add(key);
  return { listed, signatures };
}

/** Read and judge (parse, signature) every listed review record, in key (time) order. */
export async function readReviewRecords(
  locker: Locker,
  listing: RecordListing,
  trusted: TrustedKeys,
  sha256Of: (body: Buffer) => string,
): Promise<ReadReviewRecord[]> {
  const out: ReadReviewRecord[] = [];
  for (const key of [...listing.listed.keys()].sort()) {
    const body = await readListedBody(locker, key);
    if (body === undefined) continue;
    const read: ReadReviewRecord = { key, sha256: sha256Of(body), problems: [] };
    try {
      read.record = parseReviewRecord(key, body);
    } catch (err) {
      if (!(err instanceof CorruptEvidenceError)) throw err;
      read.problems.push({ key, problem: 'corrupt', detail: err.message });
    }
    const signature = await recordSignatureProblem(
      locker,
      key,
      body,
      listing,
      trusted,
      'access review record',
    );
    if (signature) read.problems.push(signature);
    out.push(read);
  }
  return out;
}

/** Everything one campaign holds, as read back and judged. */
export interface CampaignState {
  id: string;
  campaign?: { key: string; sha256: string; value: Campaign };
  decisions: { key: string; sha256: string; value: Decisions }[];
  refused: { key: string; sha256: string; value: Refused }[];
  closes: { key: string; sha256: string; value: Close }[];
  /** Records that count for nothing, with why. */
  rejected: { key: string; name: string; why: string; problems: IntegrityProblem[] }[];
}

/** A campaign whose campaign record was read and stands. */
export type KnownCampaign = CampaignState & { campaign: NonNullable<CampaignState['campaign']> };

export function campaignStates(records: readonly ReadReviewRecord[]): Map<string, CampaignState> {
  const states = new Map<string, CampaignState>();
  for (const r of records) {
    const where = parseReviewKey(r.key);
    const id = where?.campaign ?? r.key.split('/')[1] ?? '';
    const state = states.get(id) ?? { id, decisions: [], refused: [], closes: [], rejected: [] };
    states.set(id, state);
    if (r.problems.length || !r.record) {
      state.rejected.push({
        key: r.key,
        name: where?.name ?? 'record',
        why: r.problems.map((p) => `${p.problem}: ${p.detail}`).join('; ') || 'unreadable',
        problems: r.problems,
      });
      continue;
    }
    const item = { key: r.key, sha256: r.sha256 };
    switch (r.record.name) {
      case 'campaign':
        if (!state.campaign) state.campaign = { ...item, value: r.record.value };
        else
          state.rejected.push({
            key: r.key,
            name: 'campaign',
            why: `a second campaign record for ${id} (the first is ${state.campaign.key})`,
            problems: [],
          });
        break;
      case 'decisions':
        state.decisions.push({ ...item, value: r.record.value });
        break;
      case 'refused':
        state.refused.push({ ...item, value: r.record.value });
        break;
      case 'close':
        state.closes.push({ ...item, value: r.record.value });
        break;
    }
  }
  return states;
}

/** Validate a --campaign value with the one grammar (shared/evidence/ids.ts). */
export function parseCampaignId(text: string): string {
  return requireId('campaign', text, '--campaign');
}

/** The campaign's latest close that says complete; undefined when none does. */
export function completeClose(state: CampaignState): { key: string; value: Close } | undefined {
  return [...state.closes].reverse().find((c) => c.value.complete);
}

export function requireCampaign(
  state: CampaignState | undefined,
  id: string,
): asserts state is KnownCampaign {
  if (!state || (!state.campaign && state.rejected.length === 0))
    throw new UsageError(
      `--campaign ${id}: no such campaign in the locker (evidence review start prints the id)`,
    );
  if (!state.campaign) {
    const why = state.rejected.find((r) => r.name === 'campaign')?.why ?? 'its campaign record is missing';
    throw new CorruptEvidenceError(`${REVIEW_PREFIX}${id}/`, `the campaign record cannot be trusted: ${why}`);
  }
}

/**
 * What `export` carries of access reviews: every record (and signature) of each campaign whose
 * as-of day, or any of whose records' days, lies in the window. One listing of reviews/.
 */
export async function reviewExportKeys(
  locker: Locker,
  inWindow: (day: string | undefined) => boolean,
): Promise<string[]> {
  const byCampaign = new Map<string, string[]>();
  for await (const item of locker.list(REVIEW_PREFIX)) {
    const id = item.key.split('/')[1] ?? '';
    byCampaign.set(id, [...(byCampaign.get(id) ?? []), item.key]);
  }
  const out: string[] = [];
  for (const [id, keys] of byCampaign) {
    const asOf = /-(\d{4}-\d{2}-\d{2})-[0-9a-f]{8}$/.exec(id)?.[1];
    if (inWindow(asOf) || keys.some((k) => inWindow(recordInstant(k.replace(/\.sig$/, ''))?.slice(0, 10))))
      out.push(...keys);
  }
  return out.sort();
}
