/**
 * With `aws.organization`, each day's expected AWS series come from that day's `organization`
 * snapshot (the in-scope inventory), read back from the locker: an account is expected from
 * the day it appears in scope, and no longer once it is gone; a day whose inventory is missing,
 * failed, late, altered or forged cannot say what was expected, and fails closed.
 * Unit level: the snapshots are written through the locker API (the inventory as the
 * organization collector records it); the emulator test at the end has the real collector
 * write it from an organization on the emulator.
 */
import { chmod, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetAwsCredentials } from '../../shared/aws/accounts.js';
import { awsScopeEnvironment } from '../../shared/aws/identity.js';
import type { OrganizationInventory } from '../../shared/aws/organization.js';
import { fixedClock } from '../../shared/clock.js';
import { loadCollectors } from '../../shared/collectors/implementations.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import type { AnyCollector } from '../../shared/collectors/types.js';
import type { Config } from '../../shared/config.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type VerifyResult, verify } from '../../shared/verify/verify.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { runCli } from '../helpers/cli.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { orgAccount as account } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-06';
const NOW = fixedClock('2026-04-09T00:00:00.000Z');
const REGION = 'eu-west-1';

const MGMT = '111111111111';
const STAYS = '222222222222';
const JOINS = '333333333333'; // in scope from 2026-04-03
const LEAVES = '444444444444'; // absent from 2026-04-04's snapshot on
const EXCLUDED = '555555555555'; // in an excluded OU: recorded, never collected
const OUTSIDE = '666666666666'; // listed in aws.accounts, not in the organization

const collectors = await loadCollectors(
  COLLECTORS.filter((c) => ['organization', 'iam', 'guardduty'].includes(c.id)),
);

function config(extra: { accounts?: { id: string }[] } = {}): Config {
  return awsTestConfig(
    { regions: [REGION], organization: { excludeOus: ['ou-ex01-aaaaaaaa'] }, ...extra },
    { auditPeriod: { start: FROM } },
  );
}

/** The organization as each day's discovery saw it. */
function inventoryOn(day: string): Omit<OrganizationInventory, 'requests'> {
  const accounts = [account(MGMT, true), account(STAYS, true), account(EXCLUDED, false)];
  if (day >= '2026-04-03') accounts.push(account(JOINS, true));
  if (day < '2026-04-04') accounts.push(account(LEAVES, true));
  return {
    organization: { id: 'o-abc123', arn: null, managementAccountId: MGMT, featureSet: 'ALL' },
    discoveredFrom: MGMT,
    selection: { ous: null, excludeOus: ['ou-ex01-aaaaaaaa'], excludeAccounts: [] },
    roots: [{ id: 'r-ab12', name: 'Root' }],
    ous: [
      { id: 'ou-ex01-aaaaaaaa', name: 'Excluded', parentId: 'r-ab12', path: ['r-ab12', 'ou-ex01-aaaaaaaa'] },
    ],
    accounts: accounts.sort((a, b) => (a.id < b.id ? -1 : 1)),
    unknownExclusions: [],
  };
}

function orgSnapshot(day: string, extra: Partial<Snapshot> = {}): Snapshot {
  const data = inventoryOn(day);
  return makeSnapshot({
    collector: 'organization',
    scope: 'aws-organization',
    collectedAt: `${day}T00:05:00.000Z`,
    runId: `run-${day}`,
    controls: ['CC2.1', 'CC6.1'],
    data,
    ...extra,
  });
}

interface Plan {
  /** The AWS collectors to write snapshots for (default iam and guardduty). */
  aws?: readonly AnyCollector[];
  /** Leave out one snapshot: return false. */
  keep?: (series: string, day: string) => boolean;
  /** Replace the organization snapshot of a day (undefined: none). */
  organization?: (day: string) => Snapshot | undefined;
  seal?: boolean;
}

/** Each day: the organization snapshot, then iam and guardduty for each in-scope account; sealed next morning. */
async function fill(locker: DirectoryLocker, from: string, to: string, plan: Plan = {}) {
  const keys = new Map<string, string>();
  for (const day of daysBetween(from, to)) {
    const org = plan.organization ? plan.organization(day) : orgSnapshot(day);
    if (org) keys.set(`organization/aws-organization@${day}`, (await writeSnapshot(locker, org, 730)).key);
    // What the collection writes from that day's inventory: each collector's own scopes.
    const env = { defaultAccountId: MGMT, organization: { ...inventoryOn(day), requests: 0 } };
    const series = (plan.aws ?? collectors.filter((c) => c.id !== 'organization')).flatMap((c) =>
      c.scopes(config(), env).map((scope: { id: string }) => [c.id, scope.id]),
    );
    for (const [collector, scope] of series as [string, string][]) {
      if (plan.keep && !plan.keep(`${collector}/${scope}`, day)) continue;
      const written = await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, collectedAt: `${day}T00:06:00.000Z`, runId: `run-${day}` }),
        730,
      );
      keys.set(`${collector}/${scope}@${day}`, written.key);
    }
    if (plan.seal !== false)
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
  }
  return keys;
}

const find = (result: VerifyResult, series: string) =>
  result.series.find((s) => `${s.collector}/${s.scope}` === series);
const ids = (result: VerifyResult) => result.series.map((s) => `${s.collector}/${s.scope}`).sort();
const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

describe('verify derives the expected AWS series from each day’s organization snapshot', () => {
  let dir: string;
  let locker: DirectoryLocker;
  const run = (cfg = config(), from = FROM) =>
    verify({ locker, config: cfg, from, to: TO, clock: NOW, collectors });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-org-'));
    locker = new DirectoryLocker(dir);
  });

  it('complete evidence: an account is expected from the day it joins and until the day it leaves; an excluded OU never', async () => {
    await fill(locker, FROM, TO);
    const result = await run();
    expect(result.integrity).toEqual([]);
    expect(result.series.filter((s) => s.missing.length || s.failed.length)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.unexpected).toEqual([]);
    expect(ids(result)).toEqual(
      [
        'organization/aws-organization',
        ...[MGMT, STAYS, JOINS, LEAVES].flatMap((a) => [`iam/aws-${a}`, `guardduty/aws-${a}-${REGION}`]),
      ].sort(),
    );
    expect(ids(result).some((id) => id.includes(EXCLUDED))).toBe(false);
    const joined = find(result, `iam/aws-${JOINS}`)!;
    expect(joined).toMatchObject({ expectedFrom: '2026-04-03', expectedDays: 4, presentDays: 4 });
    expect(joined.expectedFromReason).toMatch(/organization snapshot of 2026-04-03/);
    const left = find(result, `guardduty/aws-${LEAVES}-${REGION}`)!;
    expect(left).toMatchObject({ expectedFrom: FROM, expectedDays: 3, presentDays: 3, missing: [] });
    expect(left.days).toEqual([{ from: FROM, to: '2026-04-03', state: 'present' }]);
    expect(find(result, `iam/aws-${STAYS}`)).toMatchObject({ expectedDays: 6, presentDays: 6 });
  });

  it("a joined account's missing day-4 snapshot is missing; days before it joined are not", async () => {
    await fill(locker, FROM, TO, { keep: (s, day) => !(s === `iam/aws-${JOINS}` && day === '2026-04-04') });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(find(result, `iam/aws-${JOINS}`)).toMatchObject({
      expectedFrom: '2026-04-03',
      missing: ['2026-04-04'],
    });
    expect(result.series.filter((s) => s.missing.length).map((s) => s.scope)).toEqual([`aws-${JOINS}`]);
  });

  it('an account that left is not expected after it left: a window after it has no such series', async () => {
    await fill(locker, FROM, TO);
    const result = await run(config(), '2026-04-04');
    expect(result.ok).toBe(true);
    expect(ids(result).some((id) => id.includes(LEAVES))).toBe(false);
  });

  it('an account in scope one day and left out of the next snapshot still has to be there the day it was listed', async () => {
    await fill(locker, FROM, TO, { keep: (s, day) => !(s.includes(LEAVES) && day === '2026-04-03') });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(find(result, `iam/aws-${LEAVES}`)!.missing).toEqual(['2026-04-03']);
    expect(find(result, `guardduty/aws-${LEAVES}-${REGION}`)!.missing).toEqual(['2026-04-03']);
  });

  it('no organization snapshot on a day: the day cannot be derived, the AWS series are unresolved that day (fail closed)', async () => {
    await fill(locker, FROM, TO, {
      organization: (day) => (day === '2026-04-05' ? undefined : orgSnapshot(day)),
    });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(find(result, 'organization/aws-organization')!.missing).toEqual(['2026-04-05']);
    for (const c of ['iam', 'guardduty']) {
      expect(find(result, `${c}/aws-unresolved`)).toMatchObject({
        expectedFrom: '2026-04-05',
        expectedDays: 1,
        missing: ['2026-04-05'],
      });
      expect(find(result, `${c}/aws-unresolved`)!.expectedFromReason).toMatch(
        /2026-04-05.*no organization snapshot/,
      );
    }
    expect(result.notes.join('\n')).toMatch(/2026-04-05: no organization snapshot/);
  });

  it('the organization snapshot deleted after sealing: deleted, and its day is unresolved', async () => {
    const keys = await fill(locker, FROM, TO);
    const key = keys.get('organization/aws-organization@2026-04-02')!;
    await rm(file(dir, key), { force: true });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([`deleted ${key}`]);
    expect(find(result, 'iam/aws-unresolved')!.missing).toEqual(['2026-04-02']);
    expect(find(result, `iam/aws-${STAYS}`)!.missing).toEqual([]);
  });

  it('a forged inventory (an account dropped, size and file time kept) is read, found altered, and its day unresolved', async () => {
    // STAYS was not collected on 2026-04-05; someone rewrites that day's inventory without it.
    const keys = await fill(locker, FROM, TO, {
      keep: (s, day) => !(s.includes(STAYS) && day === '2026-04-05'),
    });
    const key = keys.get('organization/aws-organization@2026-04-05')!;
    const target = file(dir, key);
    const before = await stat(target);
    const original = orgSnapshot('2026-04-05');
    const forged = {
      ...original,
      data: {
        ...inventoryOn('2026-04-05'),
        accounts: inventoryOn('2026-04-05').accounts.filter((a) => a.id !== STAYS),
      },
    };
    let bytes = canonicalBytes(forged);
    // Pad to the original size (JSON allows trailing spaces), so the listing shows nothing.
    expect(bytes.byteLength).toBeLessThanOrEqual(before.size);
    bytes = Buffer.concat([bytes, Buffer.alloc(before.size - bytes.byteLength, ' ')]);
    await chmod(target, 0o644);
    await writeFile(target, bytes);
    await utimes(target, before.atime, before.mtime);

    const result = await run();
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([`hash-mismatch ${key}`]);
    expect(find(result, 'organization/aws-organization')!.days).toContainEqual({
      from: '2026-04-05',
      to: '2026-04-05',
      state: 'unusable',
    });
    expect(find(result, 'iam/aws-unresolved')!.missing).toEqual(['2026-04-05']);
    // The days the forged inventory would have excused are not excused.
    expect(find(result, `iam/aws-${STAYS}`)!.missing).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/2026-04-05: .*hash-mismatch/);
  });

  it('a forged inventory written after the day and sealed late does not count: the real one still decides', async () => {
    await fill(locker, FROM, '2026-04-04');
    // 2026-04-05: STAYS not collected, the real inventory lists it.
    await fill(locker, '2026-04-05', '2026-04-05', { keep: (s) => !s.includes(STAYS), seal: false });
    await seal(locker, {
      day: '2026-04-05',
      clock: fixedClock('2026-04-06T03:00:00.000Z'),
      retentionDays: 730,
    });
    await fill(locker, '2026-04-06', TO, { seal: false });
    await seal(locker, { day: TO, clock: fixedClock('2026-04-07T03:00:00.000Z'), retentionDays: 730 });
    const forged = orgSnapshot('2026-04-05', {
      collectedAt: '2026-04-05T23:00:00.000Z',
      runId: 'run-forged',
      data: { ...inventoryOn('2026-04-05'), accounts: [account(MGMT, true)] },
    });
    const key = (await writeSnapshot(locker, forged, 730)).key;
    await seal(locker, {
      day: '2026-04-05',
      clock: fixedClock('2026-04-08T03:00:00.000Z'),
      retentionDays: 730,
    });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([`late ${key}`]);
    expect(find(result, `iam/aws-${STAYS}`)!.missing).toEqual(['2026-04-05']);
  });

  it('an error organization snapshot (discovery failed): that day is unresolved, the day failed', async () => {
    await fill(locker, FROM, TO, {
      organization: (day) =>
        orgSnapshot(
          day,
          day === '2026-04-03' ? { status: 'error', errors: ['AccessDenied'], data: null } : {},
        ),
    });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(find(result, 'organization/aws-organization')!.failed).toEqual(['2026-04-03']);
    expect(find(result, 'guardduty/aws-unresolved')!.missing).toEqual(['2026-04-03']);
    expect(result.notes.join('\n')).toMatch(/2026-04-03: .*error/);
  });

  it('an ok organization snapshot that holds no inventory is corrupt, not an empty organization', async () => {
    await fill(locker, FROM, TO, {
      organization: (day) => orgSnapshot(day, day === '2026-04-02' ? { data: { accounts: 'none' } } : {}),
    });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(result.integrity.map((p) => p.problem)).toEqual(['corrupt']);
    expect(find(result, 'iam/aws-unresolved')!.missing).toEqual(['2026-04-02']);
  });

  it('accounts listed in aws.accounts outside the organization stay expected every day, also on an unresolved day', async () => {
    await fill(locker, FROM, TO, {
      organization: (day) => (day === '2026-04-05' ? undefined : orgSnapshot(day)),
    });
    const result = await run(config({ accounts: [{ id: OUTSIDE }] }));
    const outside = find(result, `iam/aws-${OUTSIDE}`)!;
    expect(outside).toMatchObject({ expectedFrom: FROM, expectedDays: 6, presentDays: 0 });
    expect(outside.missing).toEqual(daysBetween(FROM, TO));
  });
});

describe('evidence verify with aws.organization (CLI, every AWS collector of the registry)', () => {
  // Every AWS collector this configuration turns on (aws-identity-center needs aws.identityCenter).
  const AWS = COLLECTORS.filter(
    (c) => c.source === 'aws' && c.id !== 'organization' && c.id !== 'aws-identity-center',
  );
  let dir: string;
  let store: string;
  let common: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-org-cli-'));
    store = path.join(dir, 'locker');
    const cfg = path.join(dir, 'evidence.config.json');
    await writeFile(
      cfg,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: [REGION], organization: { excludeOus: ['ou-ex01-aaaaaaaa'] } },
        auditPeriod: { start: FROM },
      }),
    );
    common = ['--store', store, '--config', cfg];
  });
  const verifyCli = () =>
    runCli(['verify', ...common, '--from', FROM, '--to', TO, '--json', '--no-report'], {
      clock: '2026-04-09T00:00:00.000Z',
    });

  it('complete: exit 0; the organization snapshot of a day deleted: exit 1, naming it', async () => {
    const keys = await fill(new DirectoryLocker(store), FROM, TO, { aws: AWS });
    const complete = await verifyCli();
    expect(complete.code, complete.stderr).toBe(0);
    const key = keys.get('organization/aws-organization@2026-04-04')!;
    await rm(file(store, key));
    const run = await verifyCli();
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.integrity.map((p: { problem: string; key: string }) => `${p.problem} ${p.key}`)).toEqual([
      `deleted ${key}`,
    ]);
    expect(
      doc.series
        .filter((s: { missing: string[] }) => s.missing.length)
        .map((s: { collector: string; scope: string }) => `${s.collector}/${s.scope}`)
        .sort(),
    ).toEqual(['organization/aws-organization', ...AWS.map((c) => `${c.id}/aws-unresolved`)].sort());
  });

  it('a day without an organization snapshot, acknowledged for the organization and each unresolved series: exit 0', async () => {
    await fill(new DirectoryLocker(store), FROM, TO, {
      aws: AWS,
      organization: (day) => (day === '2026-04-04' ? undefined : orgSnapshot(day)),
    });
    expect((await verifyCli()).code).toBe(1);
    for (const series of ['organization/aws-organization', ...AWS.map((c) => `${c.id}/aws-unresolved`)]) {
      const ack = await runCli(
        [
          'acknowledge',
          ...common,
          '--series',
          series,
          '--day',
          '2026-04-04',
          '--reason',
          'Organizations API outage (INC-7)',
          '--by',
          'Jane Doe',
        ],
        { clock: '2026-04-09T00:00:00.000Z' },
      );
      expect(ack.code, `${series}: ${ack.stderr}`).toBe(0);
    }
    // Acknowledgements are signed records: they count once sealed in the digest of their day.
    const sealed = await runCli(['seal', ...common, '--day', '2026-04-09'], {
      clock: '2026-04-09T00:01:00.000Z',
    });
    expect(sealed.code, sealed.stderr).toBe(0);
    const run = await verifyCli();
    expect(run.code, run.stdout).toBe(0);
  });
});

describe('verify over an organization collected on the emulator', () => {
  it('an account added on day 3 is expected from day 3; its missing day-4 snapshot is reported', async () => {
    const client = new OrganizationsClient({ region: 'us-east-1' });
    await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const create = async (name: string) =>
      (await client.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` })))
        .CreateAccountStatus!.AccountId!;
    await create('first');
    const dir = await mkdtemp(path.join(tmpdir(), 'verify-org-emu-'));
    const locker = new DirectoryLocker(dir);
    const cfg = awsTestConfig({ regions: [REGION], organization: {} }, { auditPeriod: { start: FROM } });
    let added = '';
    try {
      for (const day of daysBetween(FROM, '2026-04-04')) {
        if (day === '2026-04-03') added = await create('added');
        const summary = await runCollectors({
          config: cfg,
          locker,
          collectors,
          clock: fixedClock(`${day}T00:05:00.000Z`),
          scopeEnvironment: awsScopeEnvironment,
        });
        expect(summary.results.every((r) => r.status === 'ok')).toBe(true);
        if (day === '2026-04-04') {
          // The day-4 IAM snapshot of the new account is lost before sealing.
          const lost = summary.results.find((r) => r.collector === 'iam' && r.scope === `aws-${added}`)!;
          await rm(file(dir, lost.key));
        }
        await seal(locker, {
          day,
          clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
          retentionDays: 730,
        });
      }
    } finally {
      client.destroy();
      forgetAwsCredentials();
    }
    const result = await verify({
      locker,
      config: cfg,
      from: FROM,
      to: '2026-04-04',
      clock: fixedClock('2026-04-07T00:00:00.000Z'),
      collectors,
    });
    expect(result.ok).toBe(false);
    expect(result.integrity).toEqual([]);
    expect(find(result, `iam/aws-${added}`)).toMatchObject({
      expectedFrom: '2026-04-03',
      expectedDays: 2,
      missing: ['2026-04-04'],
    });
    expect(find(result, `guardduty/aws-${added}-${REGION}`)).toMatchObject({
      expectedFrom: '2026-04-03',
      presentDays: 2,
      missing: [],
    });
    expect(find(result, `iam/aws-${testAccountId()}`)).toMatchObject({ expectedDays: 4, presentDays: 4 });
    expect(result.series.filter((s) => s.missing.length).map((s) => `${s.collector}/${s.scope}`)).toEqual([
      `iam/aws-${added}`,
    ]);
  });
});
