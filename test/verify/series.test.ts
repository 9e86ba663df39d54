/**
 * Judging series (shared/verify/series.ts), called directly over planted snapshot facts: which
 * series are judged (configured ones, those only in the locker, each retired from its earliest
 * retirement), which problems stop a snapshot from counting and the day state each gives, and
 * what each expected day of the window is, at every bound. Written for the survivors of
 * mutation testing (docs/threat-model.md, "Mutation testing"): each case is a day that a one-
 * character change would count as present, or drop, or move to another state.
 */
import { describe, expect, it } from 'vitest';
import type { ChainDigest } from '../../shared/evidence/digest.js';
import type { StoredAcknowledgement } from '../../shared/verify/acknowledgements.js';
import type { ExpectedSeries } from '../../shared/verify/expected.js';
import type { SnapshotFacts } from '../../shared/verify/facts.js';
import type { StoredRetirement } from '../../shared/verify/retirements.js';
import { disqualifying, type JudgedSeries, judgeSeries, seriesToJudge } from '../../shared/verify/series.js';
import type { IntegrityProblem, ProblemKind, SeriesReport } from '../../shared/verify/types.js';
import { DISQUALIFYING_STATES } from './fixtures.js';

const START = '2026-04-01';
const SERIES = 'fake-a/org-acme';

function expected(series: string, extra: Partial<ExpectedSeries> = {}): ExpectedSeries {
  const [collector, scope] = series.split('/') as [string, string];
  return {
    collector,
    scope,
    series,
    controls: ['CC8.1'],
    since: START,
    sinceReason: 'auditPeriod.start',
    ...extra,
  };
}

function judged(extra: Partial<JudgedSeries> = {}): JudgedSeries {
  return { ...expected(SERIES), origin: 'config', ...extra };
}

function retirement(series: string, from: string, retiredAt: string): StoredRetirement {
  const [collector, scope] = series.split('/') as [string, string];
  return {
    key: `retirements/${series}/${retiredAt}.json`,
    schema: 'evidence.retirement/1',
    collector,
    scope,
    from,
    reason: 'decommissioned',
    by: 'alice',
    retiredAt,
    tool: { name: 'evidence-locker', version: '0.0.0' },
  } as StoredRetirement;
}

let n = 0;
/** A snapshot of the series on a day: ok unless said otherwise. */
function fact(day: string, extra: Partial<SnapshotFacts> = {}): SnapshotFacts {
  n++;
  const [collector, scope] = SERIES.split('/') as [string, string];
  const file = `${day}T00:05:00.000Z-${n}.json`;
  return {
    key: `snapshots/${day}/${collector}/${scope}/${file}`,
    parts: { day, collector, scope, file },
    series: SERIES,
    status: 'ok',
    items: 1,
    ...extra,
  };
}

function digest(key: string): ChainDigest {
  return {
    key,
    sha256: 'a'.repeat(64),
    day: START,
    sealedAt: `${START}T03:00:00.000Z`,
    sequence: 1,
    previous: null,
    entries: 1,
    listsRecords: true,
  } as ChainDigest;
}

function problem(key: string, kind: ProblemKind): IntegrityProblem {
  return { key, problem: kind, detail: `${kind} (planted)` };
}

function ack(day: string, to?: string, series = SERIES): StoredAcknowledgement {
  const [collector, scope] = series.split('/') as [string, string];
  return {
    key: `acknowledgements/${day}/${collector}/${scope}/${day}T09:00:00.000Z.json`,
    schema: 'evidence.acknowledgement/1',
    collector,
    scope,
    day,
    ...(to && { to }),
    reason: `outage from ${day}`,
    by: 'bob',
    acknowledgedAt: `${day}T09:00:00.000Z`,
    tool: { name: 'evidence-locker', version: '0.0.0' },
  } as StoredAcknowledgement;
}

interface Judge {
  s?: JudgedSeries;
  from?: string;
  to?: string;
  facts?: SnapshotFacts[];
  problems?: IntegrityProblem[];
  digestProblems?: IntegrityProblem[];
  acks?: StoredAcknowledgement[];
  auditStart?: string;
}

const byKey = (problems: readonly IntegrityProblem[]) => {
  const out = new Map<string, IntegrityProblem[]>();
  for (const p of problems) out.set(p.key, [...(out.get(p.key) ?? []), p]);
  return out;
};

function judge(o: Judge = {}): SeriesReport {
  const s = o.s ?? judged();
  const snapshots = new Map<string, SnapshotFacts[]>();
  for (const f of o.facts ?? []) {
    const k = `${f.series}@${f.parts.day}`;
    snapshots.set(k, [...(snapshots.get(k) ?? []), f]);
  }
  return judgeSeries(
    s,
    { from: o.from ?? START, to: o.to ?? '2026-04-05' },
    snapshots,
    byKey(o.problems ?? []),
    byKey(o.digestProblems ?? o.problems ?? []),
    o.acks ?? [],
    o.auditStart ?? START,
  );
}

const days = (r: SeriesReport) => r.days.map((d) => `${d.from}..${d.to} ${d.state}`);

describe('seriesToJudge: the configured series, those only in the locker, each until its first retirement', () => {
  it('configured first, as given; then the locker’s others once each, sorted, expected from the audit start', () => {
    const out = seriesToJudge(
      [expected('fake-b/x-2', { since: '2026-04-03', sinceReason: 'github.since' }), expected(SERIES)],
      ['z/last', SERIES, 'other/stray', 'z/last', 'fake-b/x-2'],
      [],
      '2026-03-15',
    );
    expect(out).toStrictEqual([
      { ...expected('fake-b/x-2', { since: '2026-04-03', sinceReason: 'github.since' }), origin: 'config' },
      { ...expected(SERIES), origin: 'config' },
      {
        collector: 'other',
        scope: 'stray',
        series: 'other/stray',
        controls: [],
        since: '2026-03-15',
        sinceReason: 'auditPeriod.start',
        origin: 'locker',
      },
      {
        collector: 'z',
        scope: 'last',
        series: 'z/last',
        controls: [],
        since: '2026-03-15',
        sinceReason: 'auditPeriod.start',
        origin: 'locker',
      },
    ]);
  });

  it('retired the day before its earliest retirement takes effect (its from, never before the day written); only its own', () => {
    const out = seriesToJudge(
      [expected(SERIES), expected('fake-b/x-1'), expected('fake-b/x-2')],
      ['other/stray'],
      [
        // fake-a: the later retirement listed first; the earlier one wins.
        retirement(SERIES, '2026-04-20', '2026-04-02T10:00:00.000Z'),
        retirement(SERIES, '2026-04-08', '2026-04-02T10:00:00.000Z'),
        // fake-b/x-1: written on 04-06 for 04-03: effective 04-06.
        retirement('fake-b/x-1', '2026-04-03', '2026-04-06T10:00:00.000Z'),
        // Found only in the locker, retired too.
        retirement('other/stray', '2026-04-04', '2026-04-01T00:00:00.000Z'),
        // Another scope of the same collector, and a series nobody judges.
        retirement('fake-b/x-9', '2026-04-02', '2026-04-01T00:00:00.000Z'),
      ],
      START,
    );
    expect(out.map((s) => [s.series, s.until])).toEqual([
      [SERIES, '2026-04-07'],
      ['fake-b/x-1', '2026-04-05'],
      ['fake-b/x-2', undefined],
      ['other/stray', '2026-04-03'],
    ]);
    expect(Object.hasOwn(out[2]!, 'until')).toBe(false);
  });
});

const CLASSES = DISQUALIFYING_STATES;

describe('disqualifying: the problems that stop a snapshot from counting', () => {
  it('its own and its sealing digest’s, of the disqualifying classes only', () => {
    const f = fact('2026-04-02', { sealedBy: digest('digests/2026-04-02/d.json') });
    const own = [problem(f.key, 'late'), problem(f.key, 'retention-too-short')];
    const sealing = [
      problem('digests/2026-04-02/d.json', 'bad-signature'),
      problem('digests/2026-04-02/d.json', 'chain-broken'),
    ];
    const other = [problem('snapshots/other.json', 'deleted')];
    expect(disqualifying(f, byKey([...own, ...other]), byKey(sealing))).toEqual([own[0], sealing[0]]);
    // One map for both (the default).
    expect(disqualifying(f, byKey([...own, ...sealing, ...other]))).toEqual([own[0], sealing[0]]);
    // Not sealed: no digest's problems.
    const unsealed = fact('2026-04-02');
    expect(disqualifying(unsealed, byKey([problem(unsealed.key, 'hash-mismatch')]), byKey(sealing))).toEqual([
      problem(unsealed.key, 'hash-mismatch'),
    ]);
    expect(disqualifying(unsealed, new Map(), byKey(sealing))).toEqual([]);
  });
});

describe('judgeSeries: each expected day of the window', () => {
  it('present, failed and missing days, in runs', () => {
    const r = judge({
      facts: [
        fact('2026-04-01'),
        fact('2026-04-02'),
        fact('2026-04-03', { status: 'error', items: 0 }),
        // 04-04: nothing
        fact('2026-04-05'),
      ],
    });
    expect(r).toStrictEqual({
      collector: 'fake-a',
      scope: 'org-acme',
      expectedFrom: START,
      expectedFromReason: 'auditPeriod.start',
      origin: 'config',
      expectedDays: 5,
      presentDays: 3,
      missing: ['2026-04-04'],
      failed: ['2026-04-03'],
      acknowledged: [],
      acknowledgements: [],
      partial: [],
      beforeSince: 0,
      controls: ['CC8.1'],
      days: [
        { from: '2026-04-01', to: '2026-04-02', state: 'present' },
        { from: '2026-04-03', to: '2026-04-03', state: 'failed' },
        { from: '2026-04-04', to: '2026-04-04', state: 'missing' },
        { from: '2026-04-05', to: '2026-04-05', state: 'present' },
      ],
    });
  });

  it.each(CLASSES)(
    'a snapshot with %s alone: the day is %s, not present (its own or its digest’s)',
    (kind, state) => {
      const sealedBy = digest('digests/2026-04-02/d.json');
      const bad = fact('2026-04-02', { sealedBy });
      const own = judge({
        to: '2026-04-02',
        facts: [fact('2026-04-01'), bad],
        problems: [problem(bad.key, kind)],
      });
      expect([own.presentDays, own.missing, own.failed, days(own)]).toEqual([
        1,
        ['2026-04-02'],
        [],
        ['2026-04-01..2026-04-01 present', `2026-04-02..2026-04-02 ${state}`],
      ]);
      const byDigest = judge({
        to: '2026-04-02',
        facts: [fact('2026-04-01'), bad],
        digestProblems: [problem(sealedBy.key, kind)],
      });
      expect(days(byDigest)).toEqual(days(own));
      // Another snapshot of the day without the problem counts.
      const alongside = judge({
        from: '2026-04-02',
        to: '2026-04-02',
        facts: [bad, fact('2026-04-02')],
        problems: [problem(bad.key, kind)],
      });
      expect(days(alongside)).toEqual(['2026-04-02..2026-04-02 present']);
    },
  );

  it('a problem of another class does not stop a snapshot from counting', () => {
    const f = fact('2026-04-01');
    const r = judge({
      to: '2026-04-01',
      facts: [f],
      problems: [problem(f.key, 'retention-too-short'), problem(f.key, 'not-compliance-mode')],
    });
    expect(days(r)).toEqual(['2026-04-01..2026-04-01 present']);
  });

  it('several disqualified snapshots on a day: misfiled over late over unusable; an error snapshot beside them too', () => {
    const day = '2026-04-01';
    const [u, l, m, e] = [fact(day), fact(day), fact(day), fact(day, { status: 'error' })];
    const state = (facts: SnapshotFacts[], problems: IntegrityProblem[]) =>
      days(judge({ to: day, facts, problems }));
    const pu = problem(u.key, 'corrupt');
    const pl = problem(l.key, 'backdated');
    const pm = problem(m.key, 'misfiled');
    expect(state([u, l, m, e], [pu, pl, pm])).toEqual([`${day}..${day} misfiled`]);
    expect(state([m, l, u], [pu, pl, pm])).toEqual([`${day}..${day} misfiled`]);
    expect(state([u, l, e], [pu, pl])).toEqual([`${day}..${day} late`]);
    expect(state([l, u], [pu, pl])).toEqual([`${day}..${day} late`]);
    expect(state([u, e], [pu])).toEqual([`${day}..${day} unusable`]);
    expect(state([e, u], [pu])).toEqual([`${day}..${day} unusable`]);
    expect(state([e], [])).toEqual([`${day}..${day} failed`]);
  });

  it('a partial snapshot counts only with an item read, listed with what it lacks; not when an ok one counts too', () => {
    const d = (i: number) => `2026-04-0${i}`;
    const p1 = fact(d(1), { status: 'partial', items: 3, errors: ['users: 503', 'groups: 429'] });
    const p2 = fact(d(2), { status: 'partial', items: 1 });
    const p3 = fact(d(3), { status: 'partial', items: 0, errors: ['all: 500'] });
    const p4 = fact(d(4), { status: 'partial', items: undefined, errors: ['all: 500'] });
    const p5 = fact(d(5), { status: 'partial', items: 2, errors: [] });
    const r = judge({ facts: [p1, p2, p3, p4, p5] });
    expect(r.presentDays).toBe(3);
    expect(r.failed).toEqual([d(3), d(4)]);
    expect(r.partial).toEqual([
      { day: d(1), key: p1.key, missing: ['users: 503', 'groups: 429'] },
      { day: d(2), key: p2.key, missing: ['(not named)'] },
      { day: d(5), key: p5.key, missing: ['(not named)'] },
    ]);
    // A copy: the facts' list is not the report's.
    expect(r.partial[0]!.missing).not.toBe(p1.errors);

    // Beside an ok snapshot (before or after it) the day is present and not partial.
    const ok = (day: string) => fact(day);
    const beside = judge({
      to: d(2),
      facts: [
        ok(d(1)),
        fact(d(1), { status: 'partial', items: 2 }),
        fact(d(2), { status: 'partial', items: 2 }),
        ok(d(2)),
      ],
    });
    expect([beside.presentDays, beside.partial]).toEqual([2, []]);

    // Beside an ok snapshot that does not count, the partial one is listed.
    const badOk = ok(d(1));
    const withBad = judge({
      to: d(1),
      facts: [badOk, fact(d(1), { status: 'partial', items: 2, errors: ['x'] })],
      problems: [problem(badOk.key, 'hash-mismatch')],
    });
    expect([withBad.presentDays, withBad.partial.map((p) => p.missing)]).toEqual([1, [['x']]]);

    // Two partial snapshots: the first one is named.
    const first = fact(d(1), { status: 'partial', items: 1, errors: ['first'] });
    const two = judge({
      to: d(1),
      facts: [first, fact(d(1), { status: 'partial', items: 5, errors: ['second'] })],
    });
    expect(two.partial).toEqual([{ day: d(1), key: first.key, missing: ['first'] }]);
  });

  it('an acknowledgement excuses the days it covers, bounds included, of its own series only, never a present day', () => {
    const r = judge({
      to: '2026-04-09',
      facts: [fact('2026-04-05', { status: 'error' }), fact('2026-04-06')],
      acks: [
        ack('2026-04-02'), // one day
        ack('2026-04-04', '2026-04-06'), // 04-04..04-06: 04-06 is present
        ack('2026-04-05'), // 04-05 again: both named
        ack('2026-04-08', '2026-04-08'),
        ack('2026-04-01', '2026-04-09', 'fake-b/x-1'), // another series
      ],
    });
    expect(r.acknowledged).toEqual(['2026-04-02', '2026-04-04', '2026-04-05', '2026-04-08']);
    expect(r.acknowledgements.map((a) => [a.day, a.reason])).toEqual([
      ['2026-04-02', 'outage from 2026-04-02'],
      ['2026-04-04', 'outage from 2026-04-04'],
      ['2026-04-05', 'outage from 2026-04-04'],
      ['2026-04-05', 'outage from 2026-04-05'],
      ['2026-04-08', 'outage from 2026-04-08'],
    ]);
    const a = ack('2026-04-02');
    expect(r.acknowledgements[0]).toStrictEqual({
      day: '2026-04-02',
      reason: a.reason,
      by: 'bob',
      key: a.key,
      at: '2026-04-02T09:00:00.000Z',
    });
    expect(r.missing).toEqual(['2026-04-01', '2026-04-03', '2026-04-07', '2026-04-09']);
    expect(r.failed).toEqual([]);
    expect(days(r)).toEqual([
      '2026-04-01..2026-04-01 missing',
      '2026-04-02..2026-04-02 acknowledged',
      '2026-04-03..2026-04-03 missing',
      '2026-04-04..2026-04-05 acknowledged',
      '2026-04-06..2026-04-06 present',
      '2026-04-07..2026-04-07 missing',
      '2026-04-08..2026-04-08 acknowledged',
      '2026-04-09..2026-04-09 missing',
    ]);
    // A disqualified snapshot's day is excused as well.
    const late = fact('2026-04-01');
    const excused = judge({
      to: '2026-04-01',
      facts: [late],
      problems: [problem(late.key, 'late')],
      acks: [ack('2026-04-01')],
    });
    expect(days(excused)).toEqual(['2026-04-01..2026-04-01 acknowledged']);
  });

  it('judged from the later of since and the window start, to the earlier of retirement and the window end', () => {
    const all = (from: string, to: string) => {
      const facts = [];
      for (
        let d = new Date(`${from}T00:00:00Z`);
        d <= new Date(`${to}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() + 1)
      )
        facts.push(fact(d.toISOString().slice(0, 10)));
      return facts;
    };
    const facts = all('2026-03-28', '2026-04-12');
    const span = (r: SeriesReport) => [r.expectedDays, r.days[0]?.from, r.days.at(-1)?.to];
    // since after the window start.
    const since = judged({ since: '2026-04-03', sinceReason: 'github.since' });
    expect(span(judge({ s: since, to: '2026-04-10', facts }))).toEqual([8, '2026-04-03', '2026-04-10']);
    // the window starting after since.
    expect(span(judge({ s: since, from: '2026-04-05', to: '2026-04-10', facts }))).toEqual([
      6,
      '2026-04-05',
      '2026-04-10',
    ]);
    // retired before the window end: expectedTo said.
    const retired = judged({ until: '2026-04-07' });
    const r = judge({ s: retired, to: '2026-04-10', facts });
    expect([...span(r), r.expectedTo]).toEqual([7, '2026-04-01', '2026-04-07', '2026-04-07']);
    // retired on the window end, or after it.
    expect(span(judge({ s: judged({ until: '2026-04-10' }), to: '2026-04-10', facts }))).toEqual([
      10,
      START,
      '2026-04-10',
    ]);
    expect(span(judge({ s: judged({ until: '2026-04-11' }), to: '2026-04-10', facts }))).toEqual([
      10,
      START,
      '2026-04-10',
    ]);
    // a single day: since on the retirement day.
    expect(
      span(judge({ s: judged({ since: '2026-04-04', until: '2026-04-04' }), to: '2026-04-10', facts })),
    ).toEqual([1, '2026-04-04', '2026-04-04']);
    // nothing: retired before since, or before the window.
    const none = judge({ s: judged({ since: '2026-04-05', until: '2026-04-04' }), to: '2026-04-10', facts });
    expect([none.expectedDays, none.days, none.missing, none.expectedTo]).toEqual([0, [], [], '2026-04-04']);
    expect(
      judge({ s: judged({ until: '2026-04-02' }), from: '2026-04-03', to: '2026-04-10', facts }).expectedDays,
    ).toBe(0);
    // Not retired: no expectedTo at all.
    expect(Object.hasOwn(judge({ facts }), 'expectedTo')).toBe(false);
  });

  it('the days a later since leaves unjudged in the window are counted, never with ranges', () => {
    const since = (day: string, extra: Partial<JudgedSeries> = {}) =>
      judged({ since: day, sinceReason: 'github.since', ...extra });
    const unjudged = (o: Judge) => judge(o).beforeSince;
    expect(unjudged({ s: since('2026-04-05'), to: '2026-04-10' })).toBe(4); // 04-01..04-04
    expect(unjudged({ s: since('2026-04-02'), to: '2026-04-10' })).toBe(1);
    expect(unjudged({ s: since(START), to: '2026-04-10' })).toBe(0);
    // The audit start later than the window start: from the audit start.
    expect(
      unjudged({ s: since('2026-04-05'), from: '2026-03-20', to: '2026-04-10', auditStart: '2026-04-03' }),
    ).toBe(2);
    // The window starting later: from the window start.
    expect(unjudged({ s: since('2026-04-05'), from: '2026-04-03', to: '2026-04-10' })).toBe(2);
    expect(unjudged({ s: since('2026-04-05'), from: '2026-04-04', to: '2026-04-10' })).toBe(1);
    expect(unjudged({ s: since('2026-04-05'), from: '2026-04-05', to: '2026-04-10' })).toBe(0);
    expect(unjudged({ s: since('2026-04-05'), from: '2026-04-07', to: '2026-04-10' })).toBe(0);
    // The window (or the series, retired) ending before since: to its end.
    expect(unjudged({ s: since('2026-04-05'), to: '2026-04-02' })).toBe(2);
    expect(unjudged({ s: since('2026-04-05', { until: '2026-04-03' }), to: '2026-04-10' })).toBe(3);
    // With ranges (an organization's account): not counted here.
    expect(
      unjudged({
        s: since('2026-04-05', { ranges: [{ from: '2026-04-05', to: '2026-04-10' }] }),
        to: '2026-04-10',
      }),
    ).toBe(0);
  });

  it('with ranges: only their days, inside the judged days; runs split where a range ends', () => {
    const facts = ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-06', '2026-04-07', '2026-04-09'].map(
      (d) => fact(d),
    );
    const ranges = [
      { from: '2026-03-25', to: '2026-04-02' }, // cut at the window start
      { from: '2026-04-04', to: '2026-04-04' }, // one day
      { from: '2026-04-06', to: '2026-04-07' },
      { from: '2026-04-09', to: '2026-04-20' }, // cut at the window end
      { from: '2026-04-25', to: '2026-04-30' }, // after the window: nothing
    ];
    const r = judge({ s: judged({ ranges }), to: '2026-04-10', facts });
    expect(r.expectedOn).toEqual(ranges);
    expect(r.expectedOn).not.toBe(ranges);
    expect(r.expectedDays).toBe(7);
    expect(r.presentDays).toBe(5);
    expect(r.missing).toEqual(['2026-04-04', '2026-04-10']);
    expect(days(r)).toEqual([
      '2026-04-01..2026-04-02 present',
      '2026-04-04..2026-04-04 missing',
      '2026-04-06..2026-04-07 present',
      '2026-04-09..2026-04-09 present',
      '2026-04-10..2026-04-10 missing',
    ]);
    // A range before the judged days (since later than it) adds nothing.
    const later = judge({
      s: judged({
        since: '2026-04-05',
        ranges: [
          { from: START, to: '2026-04-03' },
          { from: '2026-04-06', to: '2026-04-06' },
        ],
      }),
      to: '2026-04-10',
      facts,
    });
    expect(days(later)).toEqual(['2026-04-06..2026-04-06 present']);
    // Without ranges: no expectedOn.
    expect(Object.hasOwn(judge({ facts }), 'expectedOn')).toBe(false);
  });

  it('the report carries the series’ fields and a copy of its controls', () => {
    const s = judged({
      origin: 'locker',
      controls: ['CC6.1', 'CC7.2'],
      since: '2026-04-02',
      sinceReason: 'okta.since',
    });
    const r = judge({ s, to: '2026-04-02', facts: [fact('2026-04-02')] });
    expect([r.collector, r.scope, r.origin, r.expectedFrom, r.expectedFromReason, r.controls]).toEqual([
      'fake-a',
      'org-acme',
      'locker',
      '2026-04-02',
      'okta.since',
      ['CC6.1', 'CC7.2'],
    ]);
    expect(r.controls).not.toBe(s.controls);
  });
});
