/**
 * One function per problem class that is judged from the gathered facts, in one list. (Chain,
 * signature and hash problems come from reading: evidence/digest.ts and facts.ts.) Each takes
 * the same context and returns the problems it finds, naming the key.
 */
import type { Config } from '../config.js';
import {
  addDays,
  addDaysToInstant,
  dayStart,
  daysBetween,
  laterDay,
  parseCompactInstant,
} from '../evidence/days.js';
import type { ChainWalk } from '../evidence/digest.js';
import { DIGEST_PREFIX } from '../evidence/digest.js';
import type { Locker } from '../locker/types.js';
import { keyBodyDisagreement, type SnapshotFacts, seriesOf } from './facts.js';
import type { Anchor } from './inputs.js';
import type { IntegrityProblem, ProblemKind } from './types.js';

export interface ProblemContext {
  config: Config;
  locker: Locker;
  now: Date;
  from: string;
  to: string;
  facts: ReadonlyMap<string, SnapshotFacts>;
  chain: ChainWalk;
  anchor?: Anchor;
  /** Keys already found altered (their recorded fields are not to be judged again). */
  altered: ReadonlySet<string>;
}

export interface ProblemCheck {
  /** The classes it may report. */
  classes: readonly ProblemKind[];
  check(ctx: ProblemContext): IntegrityProblem[];
}

/** When evidence of `day` must be sealed at the latest: the end of the day plus the seal grace. */
export function sealDue(config: Config, day: string): Date {
  const memo = `${config.locker.sealGraceHours}|${day}`;
  let due = DUE.get(memo);
  if (due === undefined) {
    due = dayStart(addDays(day, 1)).getTime() + config.locker.sealGraceHours * 3_600_000;
    DUE.set(memo, due);
  }
  return new Date(due);
}
/** Judged once per day and grace, not once per snapshot (a year of 50 series is 18,250 of them). */
const DUE = new Map<string, number>();

const snapshotsOf = (ctx: ProblemContext) => [...ctx.facts.values()].filter((f) => !ctx.altered.has(f.key));

const corrupt: ProblemCheck = {
  classes: ['corrupt'],
  check: (ctx) =>
    snapshotsOf(ctx)
      .filter((f) => f.status === undefined)
      .map((f) => ({ key: f.key, problem: 'corrupt', detail: 'not a snapshot envelope', series: f.series })),
};

/** Key and body disagree: a copy of another day's or another series' snapshot filed under this key. */
const misfiled: ProblemCheck = {
  classes: ['misfiled'],
  check: (ctx) =>
    snapshotsOf(ctx).flatMap((f) => {
      const why = keyBodyDisagreement(f);
      return why.length
        ? [
            {
              key: f.key,
              problem: 'misfiled' as const,
              detail: `${why.join('; ')}: it counts for no day`,
              series: f.series,
            },
          ]
        : [];
    }),
};

/**
 * Written, or first sealed, after the end of its day plus the seal grace: not evidence of
 * that day (an acknowledgement can explain it). The write time counts on S3 only (a file's
 * mtime can be set at will); the sealing time is that of a signed digest.
 */
const late: ProblemCheck = {
  classes: ['late'],
  check: (ctx) =>
    snapshotsOf(ctx).flatMap((f) => {
      const due = sealDue(ctx.config, f.parts.day);
      const sealedAt = f.sealedBy ? new Date(f.sealedBy.sealedAt) : undefined;
      const written = ctx.locker.worm && f.lastModified ? new Date(f.lastModified) : undefined;
      const reasons: string[] = [];
      if (written && written > due) reasons.push(`written ${written.toISOString()}`);
      if (sealedAt && sealedAt > due)
        reasons.push(`first sealed ${sealedAt.toISOString()} by ${f.sealedBy!.key}`);
      return reasons.length
        ? [
            {
              key: f.key,
              problem: 'late' as const,
              detail: `${reasons.join(', ')}: after ${due.toISOString()} (the end of ${f.parts.day} + ${ctx.config.locker.sealGraceHours} h), so it counts for no day`,
              series: f.series,
            },
          ]
        : [];
    }),
};

const notSealed: ProblemCheck = {
  classes: ['not-sealed'],
  check: (ctx) =>
    snapshotsOf(ctx).flatMap((f) => {
      if (f.sealedBy) return [];
      const due = sealDue(ctx.config, f.parts.day);
      return ctx.now >= due
        ? [
            {
              key: f.key,
              problem: 'not-sealed' as const,
              detail: `no digest of the chain covers it ${ctx.config.locker.sealGraceHours} h after the end of its day (due ${due.toISOString()}); run evidence seal --day ${f.parts.day}`,
              series: f.series,
            },
          ]
        : [];
    }),
};

/** Every day of the audit period in the window needs a digest once its grace is over, even an empty day. */
const digestMissing: ProblemCheck = {
  classes: ['digest-missing'],
  check: (ctx) => {
    const sealedDays = new Set(ctx.chain.digests.map((d) => d.day));
    const first = laterDay(ctx.from, ctx.config.auditPeriod.start);
    if (first > ctx.to) return [];
    return daysBetween(first, ctx.to)
      .filter((day) => !sealedDays.has(day) && ctx.now >= sealDue(ctx.config, day))
      .map((day) => ({
        key: `${DIGEST_PREFIX}${day}/`,
        problem: 'digest-missing' as const,
        detail: `no digest of the chain seals ${day} (due ${sealDue(ctx.config, day).toISOString()}): the day was never sealed, or its digest was removed`,
      }));
  },
};

/** The head an earlier verification recorded is no longer in the chain: digests were cut off its end. */
const chainTruncated: ProblemCheck = {
  classes: ['chain-truncated'],
  check: (ctx) => {
    const anchor = ctx.anchor;
    if (!anchor) return [];
    const at = ctx.chain.digests.find((d) => d.sequence === anchor.head.digests);
    if (at && at.key === anchor.head.key && at.sha256 === anchor.head.sha256) return [];
    const now = ctx.chain.head;
    return [
      {
        key: anchor.head.key,
        problem: 'chain-truncated' as const,
        detail: `${anchor.report} recorded this digest (${anchor.head.sha256}) as head number ${anchor.head.digests}; the chain now ${
          now ? `ends at ${now.key} (number ${now.digests})` : 'is empty'
        }${at ? ` and holds ${at.key} (${at.sha256}) in that place` : ''}: digests were removed or the chain rewritten`,
      },
    ];
  },
};

/** Object Lock mode and retention of snapshots and digests (S3 only). */
const retention: ProblemCheck = {
  classes: ['retention-missing', 'not-compliance-mode', 'retention-too-short'],
  check: (ctx) => {
    if (!ctx.locker.worm) return [];
    const out: IntegrityProblem[] = [];
    for (const r of lockedRecords(ctx)) {
      if (!r.lockMode) {
        out.push({
          key: r.key,
          problem: 'retention-missing',
          detail: 'stored without Object Lock retention',
          ...series(r.key),
        });
      } else if (r.lockMode !== 'COMPLIANCE' && !(ctx.config.locker.trial && r.lockMode === 'GOVERNANCE')) {
        out.push({
          key: r.key,
          problem: 'not-compliance-mode',
          detail: `Object Lock mode is ${r.lockMode}, not COMPLIANCE: a privileged user can shorten or remove it`,
          ...series(r.key),
        });
      }
      if (r.lockMode && r.at) {
        const required = addDaysToInstant(new Date(r.at), ctx.config.locker.retentionDays);
        const until = r.retainUntil ? new Date(r.retainUntil) : undefined;
        if (!until || until.getTime() < required.getTime() - 1000) {
          out.push({
            key: r.key,
            problem: 'retention-too-short',
            detail: `retained until ${until?.toISOString() ?? '(no date)'}, earlier than ${r.at} + ${ctx.config.locker.retentionDays} days (${required.toISOString()}); extend it with s3api put-object-retention`,
            ...series(r.key),
          });
        }
      }
    }
    return out;
  },
};

/** The time a record claims against the store's own write time (S3 only). */
const backdated: ProblemCheck = {
  classes: ['backdated'],
  check: (ctx) => {
    if (!ctx.locker.worm) return [];
    const toleranceMs = ctx.config.locker.backdateToleranceMinutes * 60_000;
    const out: IntegrityProblem[] = [];
    for (const r of lockedRecords(ctx)) {
      if (!r.at || !r.lastModified) continue;
      // A collection writes its snapshot when it ends: a slow one (a rate-limit wait) is not
      // backdated. Too early is measured from the start, too late from the end.
      const written = new Date(r.lastModified).getTime();
      const start = new Date(r.at).getTime();
      const end = start + (r.durationMs ?? 0);
      const drift = written > end ? written - end : written < start ? written - start : 0;
      if (Math.abs(drift) <= toleranceMs) continue;
      out.push({
        key: r.key,
        problem: 'backdated',
        detail:
          drift > 0
            ? `it claims ${r.at}${r.durationMs ? ` and a ${minutes(r.durationMs)} collection` : ''}, ${minutes(drift)} before the store wrote it (${r.lastModified}); tolerance ${ctx.config.locker.backdateToleranceMinutes} min`
            : `it claims ${r.at}, ${minutes(-drift)} after the store wrote it (${r.lastModified}); tolerance ${ctx.config.locker.backdateToleranceMinutes} min`,
        ...series(r.key),
      });
    }
    return out;
  },
};

/** Every problem class judged from facts, in report order. */
export const PROBLEM_CHECKS: readonly ProblemCheck[] = [
  corrupt,
  misfiled,
  late,
  backdated,
  notSealed,
  digestMissing,
  chainTruncated,
  retention,
];

interface LockedRecord {
  key: string;
  /** The instant the record claims (collectedAt, sealedAt). */
  at?: string;
  /** How long the collection took: a snapshot is written at its end. */
  durationMs?: number;
  lastModified?: string;
  lockMode?: string;
  retainUntil?: string;
}

/** Snapshots of the window and every digest: their claimed time, write time and lock. */
function lockedRecords(ctx: ProblemContext): LockedRecord[] {
  const out: LockedRecord[] = [];
  for (const f of snapshotsOf(ctx)) {
    const r: LockedRecord = { key: f.key };
    const at = f.collectedAt ?? keyInstant(f.parts.file);
    if (at) r.at = at;
    if (f.collectedAt && f.durationMs !== undefined) r.durationMs = f.durationMs;
    if (f.lastModified) r.lastModified = f.lastModified;
    if (f.lockMode) r.lockMode = f.lockMode;
    if (f.retainUntil) r.retainUntil = f.retainUntil;
    out.push(r);
  }
  for (const d of ctx.chain.digests) {
    const r: LockedRecord = { key: d.key, at: d.sealedAt };
    if (d.info) {
      r.lastModified = d.info.lastModified.toISOString();
      if (d.info.lockMode) r.lockMode = d.info.lockMode;
      if (d.info.retainUntil) r.retainUntil = d.info.retainUntil.toISOString();
    }
    out.push(r);
  }
  return out;
}

function series(key: string): { series?: string } {
  const s = seriesOf(key);
  return s ? { series: s } : {};
}

function keyInstant(file: string): string | undefined {
  return /^\d{8}T\d{9}Z-/.test(file) ? parseCompactInstant(file) : undefined;
}

function minutes(ms: number): string {
  return ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}
