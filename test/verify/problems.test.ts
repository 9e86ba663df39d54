/**
 * The problem classes of shared/verify/problems.ts judged on facts built by hand, at their
 * boundaries: written at the due instant, retained one second short, a drift of exactly the
 * tolerance, a record claiming a time after it was written, a digest's own lock. These are
 * the mutants `npm run mutation` found surviving in problems.ts (issue 27, item 5): each
 * assertion here fails when the comparison, condition or message it pins is changed.
 */
import { describe, expect, it } from 'vitest';
import type { ChainDigest, ChainWalk } from '../../shared/evidence/digest.js';
import { parseSnapshotKey, snapshotKey } from '../../shared/evidence/snapshot.js';
import type { Locker } from '../../shared/locker/types.js';
import type { SnapshotFacts } from '../../shared/verify/facts.js';
import type { Anchor } from '../../shared/verify/inputs.js';
import { PROBLEM_CHECKS, type ProblemContext, sealDue } from '../../shared/verify/problems.js';
import type { IntegrityProblem, ProblemKind } from '../../shared/verify/types.js';
import { testConfig } from './fixtures.js';

const config = testConfig(); // sealGraceHours 36, backdateToleranceMinutes 15, retentionDays 730
const DAY = '2026-04-05';
const AT = `${DAY}T00:05:00.000Z`;
const DUE = sealDue(config, DAY); // 2026-04-07T12:00:00.000Z
const ms = (iso: string, delta: number) => new Date(Date.parse(iso) + delta).toISOString();
const MIN = 60_000;
const RETAIN = ms(AT, 730 * 86_400_000);

function fact(overrides: Partial<SnapshotFacts> = {}, collectedAt = AT): SnapshotFacts {
  const key = snapshotKey({ collector: 'fake-a', scope: 'org-acme', collectedAt, runId: 'run000000001' });
  return {
    key,
    parts: parseSnapshotKey(key)!,
    series: 'fake-a/org-acme',
    status: 'ok',
    collector: 'fake-a',
    scope: 'org-acme',
    day: DAY,
    collectedAt,
    runId: 'run000000001',
    durationMs: 0,
    lastModified: ms(collectedAt, MIN),
    lockMode: 'COMPLIANCE',
    retainUntil: RETAIN,
    sealedBy: digest(),
    ...overrides,
  };
}

function digest(overrides: Partial<ChainDigest> = {}): ChainDigest {
  return {
    key: `digests/${DAY}/20260406T030000000Z.json`,
    sha256: 'a'.repeat(64),
    day: DAY,
    sealedAt: '2026-04-06T03:00:00.000Z',
    sequence: 1,
    previous: null,
    entries: 1,
    listsRecords: true,
    ...overrides,
  };
}

function judge(
  kind: ProblemKind,
  facts: SnapshotFacts[],
  extra: Partial<ProblemContext> & { worm?: boolean; digests?: ChainDigest[] } = {},
): IntegrityProblem[] {
  const { worm = true, digests = [], ...rest } = extra;
  const ctx: ProblemContext = {
    config,
    locker: { worm } as unknown as Locker,
    now: new Date('2026-04-13T00:00:00.000Z'),
    from: DAY,
    to: DAY,
    facts: new Map(facts.map((f) => [f.key, f])),
    chain: {
      digests,
      records: new Map(),
      problems: [],
      sealed: new Map(),
      sealedBy: new Map(),
      abandoned: [],
      notes: [],
    } as ChainWalk,
    altered: new Set(),
    ...rest,
  };
  return PROBLEM_CHECKS.filter((c) => c.classes.includes(kind))
    .flatMap((c) => {
      const found = c.check(ctx);
      // Whatever a check returns is a problem of one of its classes (nothing else slips through).
      for (const p of found) expect(c.classes).toContain(p.problem);
      return found;
    })
    .filter((p) => p.problem === kind);
}

describe('problem classes at their boundaries', () => {
  it('corrupt: a body that is no envelope, named with its series; an altered one is left to hash-mismatch', () => {
    const f = fact({ status: undefined });
    expect(judge('corrupt', [f, fact({ status: 'ok' }, ms(AT, 1000))])).toEqual([
      { key: f.key, problem: 'corrupt', detail: 'not a snapshot envelope', series: 'fake-a/org-acme' },
    ]);
    expect(judge('corrupt', [f], { altered: new Set([f.key]) })).toEqual([]);
  });

  it('misfiled: the disagreement is named and the day does not count', () => {
    const f = fact({ runId: 'run000000002' });
    expect(judge('misfiled', [f])).toEqual([
      {
        key: f.key,
        problem: 'misfiled',
        detail: 'the body is of run run000000002, the key says run000000001: it counts for no day',
        series: 'fake-a/org-acme',
      },
    ]);
  });

  it('late by the store write time alone (S3): a millisecond after the due instant, not at it', () => {
    const late = fact({ lastModified: ms(DUE.toISOString(), 1) });
    expect(judge('late', [late])).toEqual([
      {
        key: late.key,
        problem: 'late',
        detail: `written ${ms(DUE.toISOString(), 1)}: after 2026-04-07T12:00:00.000Z (the end of ${DAY} + 36 h), so it counts for no day`,
        series: 'fake-a/org-acme',
      },
    ]);
    expect(judge('late', [fact({ lastModified: DUE.toISOString() })])).toEqual([]);
    // A directory's mtime proves nothing: only the sealing time counts there.
    expect(judge('late', [late], { worm: false })).toEqual([]);
    // Sealed exactly at the due instant is in time; a millisecond later is not.
    expect(judge('late', [fact({ sealedBy: digest({ sealedAt: DUE.toISOString() }) })])).toEqual([]);
    expect(judge('late', [fact({ sealedBy: digest({ sealedAt: ms(DUE.toISOString(), 1) }) })])).toHaveLength(
      1,
    );
  });

  it('not-sealed from the due instant on, saying how to seal', () => {
    const f = fact({ sealedBy: undefined });
    expect(judge('not-sealed', [f], { now: new Date(ms(DUE.toISOString(), -1)) })).toEqual([]);
    expect(judge('not-sealed', [f], { now: DUE })).toEqual([
      {
        key: f.key,
        problem: 'not-sealed',
        detail: `no digest of the chain covers it 36 h after the end of its day (due 2026-04-07T12:00:00.000Z); run evidence seal --day ${DAY}`,
        series: 'fake-a/org-acme',
      },
    ]);
  });

  it('digest-missing for a one-day window, from the due instant on', () => {
    expect(judge('digest-missing', [], { now: DUE })).toEqual([
      {
        key: `digests/${DAY}/`,
        problem: 'digest-missing',
        detail: `no digest of the chain seals ${DAY} (due 2026-04-07T12:00:00.000Z): the day was never sealed, or its digest was removed`,
      },
    ]);
    expect(judge('digest-missing', [], { now: new Date(ms(DUE.toISOString(), -1)) })).toEqual([]);
    expect(judge('digest-missing', [], { now: DUE, digests: [digest()] })).toEqual([]);
  });

  it('backdated: beyond the tolerance either way, the collection time allowed for; exactly the tolerance is not', () => {
    const end = ms(AT, 10 * MIN);
    const tolerance = 15 * MIN;
    const ok = [
      fact({ durationMs: 10 * MIN, lastModified: ms(end, tolerance) }),
      fact({ lastModified: ms(ms(AT, 1000), -tolerance) }, ms(AT, 1000)),
      fact({ durationMs: 10 * MIN, lastModified: ms(AT, 5 * MIN) }, ms(AT, 2000)),
    ];
    expect(judge('backdated', ok)).toEqual([]);

    const before = fact({ durationMs: 10 * MIN, lastModified: ms(end, tolerance + 1) });
    const after = fact({ lastModified: ms(ms(AT, 1000), -tolerance - 1) }, ms(AT, 1000));
    const hours = fact({ lastModified: ms(AT, 3 * 3_600_000) }, ms(AT, 2000));
    expect(judge('backdated', [before, after, hours])).toEqual([
      {
        key: before.key,
        problem: 'backdated',
        detail: `it claims ${AT} and a 10 min collection, 15 min before the store wrote it (${before.lastModified}); tolerance 15 min`,
        series: 'fake-a/org-acme',
      },
      {
        key: after.key,
        problem: 'backdated',
        detail: `it claims ${after.collectedAt}, 15 min after the store wrote it (${after.lastModified}); tolerance 15 min`,
        series: 'fake-a/org-acme',
      },
      {
        key: hours.key,
        problem: 'backdated',
        detail: `it claims ${hours.collectedAt}, 3.0 h before the store wrote it (${hours.lastModified}); tolerance 15 min`,
        series: 'fake-a/org-acme',
      },
    ]);
    // A body that is no envelope is judged by the instant in its key.
    const corrupt = fact({ status: undefined, collectedAt: undefined, lastModified: ms(AT, 3 * 3_600_000) });
    expect(judge('backdated', [corrupt]).map((p) => p.detail)).toEqual([
      `it claims ${AT}, 3.0 h before the store wrote it (${corrupt.lastModified}); tolerance 15 min`,
    ]);
    expect(judge('backdated', [before], { worm: false })).toEqual([]);
  });

  it("retention: missing, GOVERNANCE, a second short (not one less), no date; a digest's own lock too", () => {
    const none = fact({ lockMode: undefined, retainUntil: undefined });
    const governance = fact({ lockMode: 'GOVERNANCE' }, ms(AT, 1000));
    const edge = fact({ retainUntil: ms(ms(AT, 2000), 730 * 86_400_000 - 1000) }, ms(AT, 2000));
    const short = fact({ retainUntil: ms(ms(AT, 3000), 730 * 86_400_000 - 1001) }, ms(AT, 3000));
    const undated = fact({ retainUntil: undefined }, ms(AT, 4000));
    const d = digest({
      info: {
        key: 'x',
        size: 1,
        lastModified: new Date('2026-04-06T03:00:00.000Z'),
        lockMode: 'GOVERNANCE',
        retainUntil: new Date('2026-05-06T03:00:00.000Z'),
      },
    });
    const kinds = ['retention-missing', 'not-compliance-mode', 'retention-too-short'] as const;
    const found = kinds.flatMap((k) => judge(k, [none, governance, edge, short, undated], { digests: [d] }));
    expect(found.map((p) => `${p.problem} ${p.key} ${p.series ?? '-'}`).sort()).toEqual(
      [
        `retention-missing ${none.key} fake-a/org-acme`,
        `not-compliance-mode ${governance.key} fake-a/org-acme`,
        `retention-too-short ${short.key} fake-a/org-acme`,
        `retention-too-short ${undated.key} fake-a/org-acme`,
        `not-compliance-mode ${d.key} -`,
        `retention-too-short ${d.key} -`,
      ].sort(),
    );
    const detail = (key: string, kind: string) =>
      found.find((p) => p.key === key && p.problem === kind)!.detail;
    expect(detail(none.key, 'retention-missing')).toBe('stored without Object Lock retention');
    expect(detail(undated.key, 'retention-too-short')).toMatch(/^retained until \(no date\), earlier than /);
    expect(detail(d.key, 'retention-too-short')).toBe(
      'retained until 2026-05-06T03:00:00.000Z, earlier than 2026-04-06T03:00:00.000Z + 730 days (2028-04-05T03:00:00.000Z); extend it with s3api put-object-retention',
    );
    // A digest written long after the time it claims is backdated too.
    const late = digest({ info: { key: 'x', size: 1, lastModified: new Date('2026-04-06T05:00:00.000Z') } });
    expect(judge('backdated', [], { digests: [late] }).map((p) => p.key)).toEqual([late.key]);
    expect(kinds.flatMap((k) => judge(k, [], { worm: false, digests: [d] }))).toEqual([]);
  });

  it('chain-truncated: the recorded head gone, replaced, or another digest in its place', () => {
    const head = digest({ sequence: 2, key: `digests/${DAY}/20260406T040000000Z.json` });
    const anchor: Anchor = {
      report: 'reports/verify/r.json',
      head: { key: head.key, sha256: head.sha256, digests: 2 },
    };
    const first = digest();
    expect(judge('chain-truncated', [], { anchor, digests: [first, head] })).toEqual([]);
    const cases: [ChainDigest[], string][] = [
      [[first], `ends at ${first.key} (number 1)`],
      [[], 'is empty'],
      [
        [first, { ...head, sha256: 'b'.repeat(64) }],
        `ends at ${head.key} (number 2) and holds ${head.key} (${'b'.repeat(64)}) in that place`,
      ],
      [
        [first, { ...head, key: `digests/${DAY}/20260406T050000000Z.json` }],
        `ends at digests/${DAY}/20260406T050000000Z.json (number 2) and holds digests/${DAY}/20260406T050000000Z.json (${head.sha256}) in that place`,
      ],
    ];
    for (const [digests, now] of cases) {
      const chain = {
        digests,
        problems: [],
        sealed: new Map(),
        sealedBy: new Map(),
        abandoned: [],
        notes: [],
      };
      const last = digests.at(-1);
      const walk = (last
        ? { ...chain, head: { key: last.key, sha256: last.sha256, digests: last.sequence } }
        : chain) as unknown as ChainWalk;
      const ctx: Partial<ProblemContext> = { anchor, chain: walk };
      expect(judge('chain-truncated', [], ctx)).toEqual([
        {
          key: head.key,
          problem: 'chain-truncated',
          detail: `reports/verify/r.json recorded this digest (${head.sha256}) as head number 2; the chain now ${now}: digests were removed or the chain rewritten`,
        },
      ]);
    }
  });
  it('misfiled and late name every reason, each apart from the next', () => {
    const both = fact({ runId: 'run000000002', scope: 'org-other' });
    expect(judge('misfiled', [both]).map((p) => p.detail)).toEqual([
      'the body is of scope org-other, the key says org-acme; the body is of run run000000002, the key says run000000001: it counts for no day',
    ]);
    const twice = fact({
      lastModified: ms(DUE.toISOString(), 1),
      sealedBy: digest({ sealedAt: ms(DUE.toISOString(), 2) }),
    });
    expect(judge('late', [twice]).map((p) => p.detail)).toEqual([
      `written ${ms(DUE.toISOString(), 1)}, first sealed ${ms(DUE.toISOString(), 2)} by digests/${DAY}/20260406T030000000Z.json: after 2026-04-07T12:00:00.000Z (the end of ${DAY} + 36 h), so it counts for no day`,
    ]);
  });

  it('backdated: written before the start is measured from the start, not the end; a duration counts only with the envelope', () => {
    // Written 10 min before it claims to have started, after a 10 min collection: 10 min, within tolerance.
    const early = fact({ durationMs: 10 * MIN, lastModified: ms(AT, -10 * MIN) });
    expect(judge('backdated', [early])).toEqual([]);
    // Written half-way through a long collection: neither early nor late.
    expect(judge('backdated', [fact({ durationMs: 60 * MIN, lastModified: ms(AT, 30 * MIN) })])).toEqual([]);
    // 14 min before the start: still within, whatever the collection took.
    expect(judge('backdated', [fact({ durationMs: 60 * MIN, lastModified: ms(AT, -14 * MIN) })])).toEqual([]);
    // No envelope: the key's instant is the claim and no duration is taken from facts that have no collectedAt.
    const bare = fact({
      status: undefined,
      collectedAt: undefined,
      durationMs: 30 * MIN,
      lastModified: ms(AT, 20 * MIN),
    });
    expect(judge('backdated', [bare]).map((p) => p.detail)).toEqual([
      `it claims ${AT}, 20 min before the store wrote it (${bare.lastModified}); tolerance 15 min`,
    ]);
    // Exactly two hours reads as hours.
    const two = fact({ lastModified: ms(AT, 2 * 3_600_000) });
    expect(judge('backdated', [two]).map((p) => p.detail)).toEqual([
      `it claims ${AT}, 2.0 h before the store wrote it (${two.lastModified}); tolerance 15 min`,
    ]);
  });

  it('not-compliance-mode: a trial locker accepts GOVERNANCE and nothing else', () => {
    const trial = testConfig({ locker: { retentionDays: 730, trial: true } });
    const governance = fact({ lockMode: 'GOVERNANCE' });
    const other = fact({ lockMode: 'LEGAL-HOLD' }, ms(AT, 1000));
    expect(judge('not-compliance-mode', [governance, other], { config: trial }).map((p) => p.key)).toEqual([
      other.key,
    ]);
    expect(judge('not-compliance-mode', [governance, other]).map((p) => p.key)).toEqual([
      governance.key,
      other.key,
    ]);
  });

  it('a digest the store says nothing about (no object info) on S3 is not taken as locked', () => {
    const bare = digest();
    expect(judge('retention-missing', [], { digests: [bare] })).toEqual([
      { key: bare.key, problem: 'retention-missing', detail: 'stored without Object Lock retention' },
    ]);
  });
});
