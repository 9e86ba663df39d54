/**
 * How verify derives each day's expected AWS series from that day's organization snapshots
 * (shared/verify/organization.ts), rule by rule: which snapshots are an inventory (ok, usable,
 * well formed, unchanged since sealed), the union of two of a day, an account taken out of
 * scope and brought back, the `since` bounds, and what a day without an inventory says.
 * Snapshots are planted in a directory locker and sealed; the real iam and guardduty
 * collectors derive the scopes (the organization collected on the emulator:
 * organization.test.ts).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { loadCollectors } from '../../shared/collectors/implementations.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import type { AnyCollector } from '../../shared/collectors/types.js';
import type { Config } from '../../shared/config.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type VerifyResult, verify } from '../../shared/verify/verify.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { orgAccount as account, fakeCollector } from './fixtures.js';

const D1 = '2026-04-01';
const D2 = '2026-04-02';
const D3 = '2026-04-03';
const D4 = '2026-04-04';
const D5 = '2026-04-05';
const NOW = '2026-04-07T00:00:00.000Z';
const REGION = 'eu-west-1';
const MGMT = '111111111111';
const A = '222222222222';
const B = '333333333333';

const collectors = await loadCollectors(
  COLLECTORS.filter((c) => ['organization', 'iam', 'guardduty'].includes(c.id)),
);

function config(aws: Record<string, unknown> = {}): Config {
  return awsTestConfig({ regions: [REGION], organization: {}, ...aws }, { auditPeriod: { start: D1 } });
}

/** The series the collection writes for these in-scope accounts. */
const seriesOf = (...accounts: string[]) =>
  accounts.flatMap((a) => [`iam/aws-${a}`, `guardduty/aws-${a}-${REGION}`]);

describe('verify derives the expected AWS series, rule by rule', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let runs: number;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'org-derive-'));
    locker = new DirectoryLocker(dir);
    runs = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** An organization snapshot of `day` (collected at `time`) listing these accounts. */
  const org = async (day: string, accounts: unknown, extra: Partial<Snapshot> = {}, time = '00:05') =>
    (
      await writeSnapshot(
        locker,
        makeSnapshot({
          collector: 'organization',
          scope: 'aws-organization',
          collectedAt: `${day}T${time}:00.000Z`,
          runId: `run${String(++runs).padStart(9, '0')}`,
          controls: ['CC2.1', 'CC6.1'],
          data: { discoveredFrom: MGMT, accounts },
          ...extra,
        }),
        730,
      )
    ).key;
  const collected = async (day: string, series: readonly string[]) => {
    for (const id of series) {
      const [collector, scope] = id.split('/') as [string, string];
      await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, collectedAt: `${day}T00:06:00.000Z`, runId: `run${++runs}` }),
        730,
      );
    }
  };
  const sealThrough = async (last: string) => {
    for (const day of daysBetween(D1, last))
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
  };
  const run = (cfg = config(), options: { now?: string; with?: readonly AnyCollector[] } = {}) =>
    verify({
      locker,
      config: cfg,
      from: D1,
      to: D4,
      clock: fixedClock(options.now ?? NOW),
      collectors: options.with ?? collectors,
    });
  const find = (result: VerifyResult, id: string) =>
    result.series.find((s) => `${s.collector}/${s.scope}` === id);
  const ids = (result: VerifyResult) => result.series.map((s) => `${s.collector}/${s.scope}`).sort();
  const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);
  const orgNote = (result: VerifyResult) => result.notes.find((n) => n.startsWith('aws.organization:'));

  it('every day complete: the series from the first day say the configured reason, and nothing is noted', async () => {
    for (const day of daysBetween(D1, D4)) {
      await org(day, [account(MGMT), account(A)]);
      await collected(day, seriesOf(MGMT, A));
    }
    await sealThrough(D4);
    const result = await run();
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(ids(result)).toEqual(['organization/aws-organization', ...seriesOf(MGMT, A)].sort());
    expect(find(result, `iam/aws-${A}`)).toMatchObject({
      expectedFrom: D1,
      expectedFromReason: 'auditPeriod.start',
      expectedDays: 4,
    });
    expect(result.notes).toEqual([]);
  });

  it('a window of one day derives that day', async () => {
    for (const day of daysBetween(D1, D4)) {
      await org(day, [account(MGMT), ...(day === D4 ? [account(A)] : [])]);
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D4);
    const result = await verify({
      locker,
      config: config(),
      from: D4,
      to: D4,
      clock: fixedClock(NOW),
      collectors,
    });
    expect(find(result, `iam/aws-${A}`)).toMatchObject({ expectedDays: 1, missing: [D4] });
    expect(find(result, `iam/aws-${MGMT}`)).toMatchObject({ expectedDays: 1, presentDays: 1 });
  });

  it('an account taken out of scope (still listed) is not expected those days; brought back, it is again', async () => {
    for (const day of daysBetween(D1, D4)) {
      const inScope = day !== D3;
      await org(day, [account(MGMT), account(A, inScope)]);
      await collected(day, seriesOf(MGMT, ...(inScope ? [A] : [])));
    }
    await sealThrough(D4);
    const result = await run();
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(find(result, `iam/aws-${A}`)).toMatchObject({ expectedDays: 3, presentDays: 3, missing: [] });
    // And the other way round: its day-3 snapshot missing while it was in scope is missing.
  });

  it('an account in scope on its own day only is expected that day alone', async () => {
    for (const day of daysBetween(D1, D4)) {
      await org(day, [account(MGMT), account(A, day === D2)]);
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D4);
    const result = await run();
    expect(find(result, `iam/aws-${A}`)).toMatchObject({
      expectedFrom: D2,
      expectedFromReason: `aws.organization: first in scope in the organization snapshot of ${D2}`,
      expectedDays: 1,
      missing: [D2],
    });
  });

  it('two usable snapshots of a day: an account in scope in either one is expected that day', async () => {
    for (const day of daysBetween(D1, D4)) {
      if (day === D2) {
        // Out of scope in one, in scope in the other, in both orders; neither collected.
        await org(day, [account(MGMT), account(A, false), account(B, true)], {}, '00:05');
        await org(day, [account(MGMT), account(A, true), account(B, false)], {}, '00:07');
      } else await org(day, [account(MGMT)]);
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D4);
    const result = await run();
    expect(result.integrity).toEqual([]);
    expect(
      result.series.filter((s) => s.missing.length).map((s) => [`${s.collector}/${s.scope}`, s.missing]),
    ).toEqual(
      seriesOf(A, B)
        .sort()
        .map((id) => [id, [D2]]),
    );
  });

  it('a partial organization snapshot is no inventory: its day is unresolved, and the note says why', async () => {
    const partials: string[] = [];
    for (const day of daysBetween(D1, D4)) {
      if (day === D3)
        for (const time of ['00:05', '00:07'])
          partials.push(
            await org(day, [account(MGMT)], { status: 'partial', errors: ['ListAccounts throttled'] }, time),
          );
      else await org(day, [account(MGMT)]);
      await collected(day, seriesOf(MGMT));
    }
    const why = `${partials[0]} is partial; ${partials[1]} is partial`;
    // A partial one next to an ok one: the ok one decides.
    await org(D4, [account(MGMT), account(A)], { status: 'partial', errors: ['one OU unreadable'] }, '00:07');
    await sealThrough(D4);
    const result = await run();
    expect(find(result, 'iam/aws-unresolved')).toMatchObject({
      expectedFrom: D3,
      expectedFromReason: `aws.organization: no usable organization snapshot on ${D3} (${why}): the AWS series of that day cannot be derived`,
      missing: [D3],
    });
    expect(find(result, `iam/aws-${A}`)).toBeUndefined();
    expect(orgNote(result)).toBe(
      `aws.organization: the AWS series of 1 day(s) cannot be derived, for want of a usable organization snapshot; each AWS collector is expected under aws-unresolved on those days (acknowledge them with the cause): ${D3}: ${why}`,
    );
  });

  it('an inventory that is not one is corrupt, naming what is wrong, and its day unresolved', async () => {
    const bad: [string, unknown, string][] = [
      [D1, [{ id: '12345678901', inScope: true }], 'data.accounts[0] has no 12-digit id and inScope flag'],
      [
        D2,
        [account(MGMT), { id: `${MGMT}1`, inScope: true }],
        'data.accounts[1] has no 12-digit id and inScope flag',
      ],
      [D3, [{ id: `x${MGMT}`, inScope: true }], 'data.accounts[0] has no 12-digit id and inScope flag'],
      [D4, [{ id: MGMT, inScope: 'yes' }], 'data.accounts[0] has no 12-digit id and inScope flag'],
    ];
    const keys: string[] = [];
    for (const [day, accounts] of bad) {
      keys.push(await org(day, accounts));
      await collected(day, seriesOf(MGMT));
    }
    // A number that reads as 12 digits is still no account id.
    keys.push(await org(D4, [{ id: 111111111111, inScope: true }], {}, '00:07'));
    bad.push([D4, [], 'data.accounts[0] has no 12-digit id and inScope flag']);
    await sealThrough(D4);
    const result = await run();
    expect(result.integrity.map((p) => [p.problem, p.key, p.detail])).toEqual(
      bad.map(([, , why], i) => [
        'corrupt',
        keys[i],
        `an ok organization snapshot without an account inventory (${why}): the day's expected AWS series cannot be derived`,
      ]),
    );
    expect(find(result, 'iam/aws-unresolved')).toMatchObject({ missing: [D1, D2, D3, D4] });
  });

  it('an inventory with a null account, no discovering account or no data is corrupt', async () => {
    const bad: [string, Partial<Snapshot>, string][] = [
      [
        D1,
        { data: { discoveredFrom: MGMT, accounts: [null] } },
        'data.accounts[0] has no 12-digit id and inScope flag',
      ],
      [D2, { data: { accounts: [account(MGMT)] } }, 'data.discoveredFrom is not an account id'],
      [D3, { data: null }, 'data.accounts is not a list'],
      [
        D4,
        { data: { discoveredFrom: 111111111111, accounts: [account(MGMT)] } },
        'data.discoveredFrom is not an account id',
      ],
    ];
    for (const [day, extra] of bad) {
      await org(day, [], extra);
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D4);
    const result = await run();
    expect(
      result.integrity.map((p) =>
        p.detail.replace(/^an ok organization snapshot without an account inventory \((.*)\):.*$/, '$1'),
      ),
    ).toEqual(bad.map(([, , why]) => why));
  });

  it('an organization snapshot not sealed yet (its day not due) is read as it is, not as altered', async () => {
    for (const day of daysBetween(D1, D4)) {
      await org(day, [account(MGMT), ...(day === D4 ? [account(A)] : [])]);
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D3);
    const result = await run(config(), { now: `${D4}T06:00:00.000Z` });
    expect(result.integrity).toEqual([]);
    expect(find(result, `iam/aws-${A}`)).toMatchObject({ expectedFrom: D4 });
    expect(find(result, 'iam/aws-unresolved')).toBeUndefined();
  });

  it('the note says which day’s snapshot is deleted and which day has none; other series’ problems are theirs', async () => {
    const keys: string[] = [];
    for (const day of daysBetween(D1, D3)) {
      keys.push(await org(day, [account(MGMT)]));
      await collected(day, seriesOf(MGMT));
    }
    await collected(D4, seriesOf(MGMT));
    await sealThrough(D4);
    await rm(path.join(dir, ...keys[1]!.split('/')), { force: true });
    // A deleted snapshot of another series is that series' problem, not the inventory's.
    let iam = '';
    for await (const item of locker.list(`snapshots/${D1}/iam/`)) iam ||= item.key;
    await rm(path.join(dir, ...iam.split('/')), { force: true });
    const result = await run();
    expect(problems(result).sort()).toEqual([`deleted ${keys[1]}`, `deleted ${iam}`].sort());
    expect(orgNote(result)).toMatch(
      new RegExp(
        `cannot be derived.*: ${D2}: its organization snapshot is deleted; ${D4}: no organization snapshot$`,
      ),
    );
    expect(orgNote(result)).toContain('the AWS series of 2 day(s)');
  });

  it('a day whose only inventory is late (its digest sealed after the grace) is unresolved, its bytes intact or not', async () => {
    const keys: string[] = [];
    for (const day of daysBetween(D1, D4)) {
      keys.push(await org(day, [account(MGMT), ...(day === D2 ? [account(A)] : [])]));
      await collected(day, seriesOf(MGMT));
    }
    // D2 is due at the end of D3 plus 36 h: D4 12:00. Sealed a millisecond later: late.
    const at = (instant: string, day: string) =>
      seal(locker, { day, clock: fixedClock(instant), retentionDays: 730 });
    await at(`${D2}T03:00:00.000Z`, D1);
    await at(`${D4}T12:00:00.001Z`, D2);
    await at(`${D4}T12:00:00.002Z`, D3);
    await at(`${D5}T03:00:00.000Z`, D4);
    const result = await run();
    expect(problems(result)).toContain(`late ${keys[1]}`);
    expect(find(result, 'iam/aws-unresolved')).toMatchObject({ expectedFrom: D2, missing: [D2] });
    expect(find(result, `iam/aws-${A}`)).toBeUndefined();
    expect(orgNote(result)).toMatch(new RegExp(`: ${D2}: ${keys[1]} late$`));
  });

  it('an inventory rewritten with another size is unusable from the listing, not read: its day unresolved', async () => {
    const keys: string[] = [];
    for (const day of daysBetween(D1, D4)) {
      keys.push(await org(day, [account(MGMT)]));
      await collected(day, seriesOf(MGMT));
    }
    await sealThrough(D4);
    const target = path.join(dir, ...keys[2]!.split('/'));
    await chmod(target, 0o644);
    await writeFile(target, JSON.stringify({ data: { discoveredFrom: MGMT, accounts: [] } }));
    const result = await run();
    const mine = result.integrity.filter((p) => p.key === keys[2]).map((p) => p.problem);
    expect(mine.length).toBeGreaterThan(0);
    expect(find(result, 'iam/aws-unresolved')).toMatchObject({ missing: [D3] });
    expect(orgNote(result)).toMatch(new RegExp(`: ${D3}: ${keys[2]} ${mine[0]}`));
  });

  it('aws.since and an account’s since: no day before them is derived or expected', async () => {
    for (const day of daysBetween(D2, D4)) {
      await org(day, [account(MGMT), account(A)]);
      await collected(day, seriesOf(MGMT, ...(day >= D3 ? [A] : [])));
    }
    await sealThrough(D4);
    const result = await run(config({ since: D2, accounts: [{ id: A, since: D3 }] }));
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(find(result, `iam/aws-${MGMT}`)).toMatchObject({
      expectedFrom: D2,
      expectedFromReason: 'aws.since',
      expectedDays: 3,
    });
    expect(find(result, `iam/aws-${A}`)).toMatchObject({
      expectedFrom: D3,
      expectedFromReason: 'aws.accounts[0].since',
      expectedDays: 2,
    });
  });

  it('aws.since after the window: nothing derived, nothing read, no day unresolved', async () => {
    await sealThrough(D4);
    const result = await run(config({ since: '2026-04-05' }));
    expect(ids(result).filter((id) => !id.startsWith('organization/'))).toEqual([]);
    expect(orgNote(result)).toBeUndefined();
  });

  it('with no AWS collector but the organization one, a day without an inventory is no unresolved series', async () => {
    await sealThrough(D4);
    const result = await run(config(), { with: collectors.filter((c) => c.id === 'organization') });
    expect(find(result, 'organization/aws-organization')).toMatchObject({ missing: [D1, D2, D3, D4] });
    expect(orgNote(result)).toBeUndefined();
    expect(ids(result)).toEqual(['organization/aws-organization']);
  });

  it('a day without an inventory whose collector cannot derive scopes from none either: expected once under aws-unresolved', async () => {
    const empty = fakeCollector(
      'fake-aws',
      (_config, env) => {
        const accounts = (env as { organization?: { accounts: unknown[] } }).organization?.accounts ?? [];
        if (accounts.length === 0) throw new Error('no account');
        return [`aws-${MGMT}`];
      },
      { source: 'aws' },
    );
    for (const day of daysBetween(D1, D4)) {
      if (day !== D2) await org(day, [account(MGMT)]);
      await collected(day, [`fake-aws/aws-${MGMT}`]);
    }
    await sealThrough(D4);
    const result = await run(config(), {
      with: [...collectors.filter((c) => c.id === 'organization'), empty],
    });
    expect(result.ok).toBe(false);
    // Expected under the placeholder for both reasons that day, counted once.
    expect(find(result, 'fake-aws/aws-unresolved')).toMatchObject({
      expectedFrom: D2,
      expectedDays: 1,
      missing: [D2],
    });
    expect(find(result, `fake-aws/aws-${MGMT}`)).toMatchObject({ expectedDays: 3, presentDays: 3 });
  });

  it('a collector whose scopes cannot be derived from an inventory is expected under aws-unresolved those days (fail closed)', async () => {
    const picky = fakeCollector(
      'fake-aws',
      (_config, env) => {
        const accounts = (env as { organization?: { accounts: unknown[] } }).organization?.accounts ?? [];
        if (accounts.length > 1) throw new Error('more than one account');
        return [`aws-${MGMT}`];
      },
      { source: 'aws' },
    );
    for (const day of daysBetween(D1, D4)) {
      await org(day, [account(MGMT), ...(day === D3 ? [account(A)] : [])]);
      await collected(day, [`fake-aws/aws-${MGMT}`]);
    }
    await sealThrough(D4);
    const result = await run(config(), {
      with: [...collectors.filter((c) => c.id === 'organization'), picky],
    });
    expect(result.notes).toContain(
      'fake-aws: its scopes could not be derived from an inventory (more than one account); it is expected under aws-unresolved on the days of that inventory',
    );
    // Before: D3 was not judged at all (nothing expected, a note only), and verify said OK.
    expect(result.ok).toBe(false);
    expect(find(result, `fake-aws/aws-${MGMT}`)).toMatchObject({ expectedDays: 3, presentDays: 3 });
    expect(find(result, 'fake-aws/aws-unresolved')).toMatchObject({
      expectedFrom: D3,
      expectedFromReason: `aws.organization: the scopes of fake-aws could not be derived from the organization snapshot of ${D3}`,
      expectedDays: 1,
      missing: [D3],
    });
  });
});
