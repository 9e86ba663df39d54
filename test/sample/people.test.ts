/**
 * `sample --population users [--strata ATTRIBUTE]`: who could sign in on a day drawn from the
 * window, stratified with proportional allocation and at least one per stratum, seeded and
 * re-drawable, recorded like every sample run; rows carry factors, the MFA verdict, the last
 * login and the groups of the same day's okta snapshot. Against the local Okta server and a
 * directory locker, collected and sealed by the real code.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createOktaCollector } from '../../shared/collectors/okta/collector.js';
import { createOktaUsersCollector } from '../../shared/collectors/okta-users/collector.js';
import { usersPopulation } from '../../shared/collectors/okta-users/population.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { parseConfig } from '../../shared/config.js';
import { seal } from '../../shared/evidence/digest.js';
import { fileSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { allocate, samplePeople } from '../../shared/sample/people.js';
import { rankItem } from '../../shared/sample/population.js';
import { runCli } from '../helpers/cli.js';
import { manualTimer } from '../helpers/vendors.js';
import {
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  type OktaServer,
  startOktaServer,
} from '../servers/okta-server.js';

const DAYS = ['2026-04-18', '2026-04-19'];
const UNSEALED = '2026-04-20';

describe('allocate: proportional, at least one per stratum', () => {
  it("gives the source documents' 5 engineering, 3 non-engineering, 2 contractors", () => {
    const out = allocate(
      new Map([
        ['Engineering', 50],
        ['Non-eng', 30],
        ['Contractors', 20],
      ]),
      10,
    );
    expect(Object.fromEntries(out.map((a) => [a.stratum, a.sample]))).toEqual({
      Contractors: 2,
      Engineering: 5,
      'Non-eng': 3,
    });
  });

  it('a small stratum still gets one; more strata than the size grow the sample; never more than a stratum holds', () => {
    const tiny = allocate(
      new Map([
        ['Engineering', 97],
        ['Legal', 1],
        ['Sales', 2],
      ]),
      10,
    );
    expect(Object.fromEntries(tiny.map((a) => [a.stratum, a.sample]))).toEqual({
      Engineering: 8,
      Legal: 1,
      Sales: 1,
    });
    expect(tiny.reduce((n, a) => n + a.sample, 0)).toBe(10);
    const many = allocate(new Map(['a', 'b', 'c', 'd'].map((s) => [s, 5])), 2);
    expect(many.map((a) => a.sample)).toEqual([1, 1, 1, 1]);
    const whole = allocate(
      new Map([
        ['x', 2],
        ['y', 3],
      ]),
      60,
    );
    expect(whole.map((a) => a.sample)).toEqual([2, 3]);
  });
});

describe('sample --population users', () => {
  let server: OktaServer;
  let dir: string;
  let store: string;
  let configFile: string;
  const org = makeOktaOrg({
    groups: 4,
    membersPerGroup: 20,
    users: 60,
    domain: 'acme.example',
    named: [
      {
        name: 'Administrators',
        members: [
          { login: 'nomfa@acme.example', factors: [factor('question')] },
          { login: 'gone@acme.example', status: 'DEPROVISIONED', factors: [] },
        ],
      },
    ],
  });
  const base = () => ['--store', store, '--config', configFile];

  beforeAll(async () => {
    server = await startOktaServer(org, { clock: manualTimer() });
    dir = await mkdtemp(path.join(tmpdir(), 'people-'));
    store = path.join(dir, 'locker');
    configFile = path.join(dir, 'evidence.config.json');
    const raw = {
      locker: { retentionDays: 730, signingKeyFile: path.join(dir, 'signing-key.pem') },
      okta: { orgUrl: server.url },
      auditPeriod: { start: DAYS[0] },
    };
    await writeFile(configFile, JSON.stringify(raw));
    const config = parseConfig(raw, 'test', COLLECTORS);
    const locker = new DirectoryLocker(store);
    const auth = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });
    for (const day of [...DAYS, UNSEALED]) {
      const timer = manualTimer(Date.parse(`${day}T00:05:00.000Z`));
      await runCollectors({
        config,
        locker,
        collectors: [createOktaCollector({ timer, auth }), createOktaUsersCollector({ timer, auth })],
        clock: fixedClock(`${day}T00:05:00.000Z`),
      });
    }
    const signer = await fileSigner(path.join(dir, 'signing-key.pem'), { create: true });
    for (const day of DAYS)
      await seal(locker, {
        day,
        clock: fixedClock(`2026-04-21T03:00:00.000Z`),
        retentionDays: 730,
        signer,
      });
  });
  afterAll(() => server?.stop());

  const draw = (seed: string, extra: string[] = []) =>
    runCli(
      [
        'sample',
        '--population',
        'users',
        '--from',
        DAYS[0]!,
        '--to',
        DAYS[1]!,
        '--seed',
        seed,
        '--json',
        ...extra,
        ...base(),
      ],
      { clock: '2026-04-22T09:00:00.000Z' },
    );

  it('stratified by department: proportional with at least one per stratum, re-drawn alike from the seed', async () => {
    const first = await draw('audit-2026', ['--strata', 'department', '--size', '10']);
    const doc = JSON.parse(first.stdout);
    expect(DAYS).toContain(doc.day);
    // 61 who can sign in: 24 + nomfa Engineering, 12 Finance, 12 Sales, 12 Support (gone cannot sign in).
    expect(doc.populationSize).toBe(61);
    expect(doc.strata.attribute).toBe('department');
    expect(doc.strata.allocation).toEqual([
      { stratum: 'Engineering', population: 25, sample: 4 },
      { stratum: 'Finance', population: 12, sample: 2 },
      { stratum: 'Sales', population: 12, sample: 2 },
      { stratum: 'Support', population: 12, sample: 2 },
    ]);
    expect(doc.samples).toHaveLength(10);
    expect(doc.samples.map((s: { id: string }) => s.id)).not.toContain('gone@acme.example');
    // Within each stratum, the lowest ranks.
    const eng = org.users
      .filter((u) => u.status === 'ACTIVE' && u.profile?.department === 'Engineering')
      .map((u) => u.login)
      .sort((a, b) => (rankItem('audit-2026', 'users', a) < rankItem('audit-2026', 'users', b) ? -1 : 1))
      .slice(0, 4);
    const sampled = doc.samples.filter(
      (s: { fields: { stratum: string } }) => s.fields.stratum === 'Engineering',
    );
    expect(sampled.map((s: { id: string }) => s.id).sort()).toEqual(eng.sort());
    // Rows: factors, MFA verdict, last login, groups (from the same day's okta snapshot), the snapshot.
    const row = doc.samples[0];
    expect(row.fields).toMatchObject({ factors: 'push ACTIVE', 'MFA verdict': 'pass' });
    expect(row.fields.groups).toMatch(/Group \d{4}|Everyone/);
    expect(row.key).toMatch(new RegExp(`^snapshots/${doc.day}/okta-users/okta-127\\.0\\.0\\.1/`));
    expect(row.digestKey).toMatch(/^digests\//);
    expect(doc.record).toMatch(/^reports\/sample\//);
    expect(doc.command).toContain('--strata department');

    const again = JSON.parse((await draw('audit-2026', ['--strata', 'department', '--size', '10'])).stdout);
    expect(again.day).toBe(doc.day);
    expect(again.samples.map((s: { id: string }) => s.id)).toEqual(
      doc.samples.map((s: { id: string }) => s.id),
    );
    expect(again.earlier.length).toBe(1);
    const other = JSON.parse((await draw('another-seed', ['--strata', 'department', '--size', '10'])).stdout);
    expect(other.samples.map((s: { id: string }) => s.id)).not.toEqual(
      doc.samples.map((s: { id: string }) => s.id),
    );
  });

  it('a person without MFA (security question only) fails their row; the run exits 1', async () => {
    const run = await draw('whole', ['--size', '61']);
    const doc = JSON.parse(run.stdout);
    expect(run.code).toBe(1);
    const nomfa = doc.samples.find((s: { id: string }) => s.id === 'nomfa@acme.example');
    expect(nomfa).toMatchObject({ verdict: 'fail' });
    expect(nomfa.fields['MFA verdict']).toBe('fail');
    expect(nomfa.detail).toContain('no ACTIVE accepted factor (has: question ACTIVE)');
    expect(nomfa.fields.groups).toBe('Administrators');
    expect(doc.samples.filter((s: { verdict: string }) => s.verdict === 'fail')).toHaveLength(1);
  });

  it('an unsealed day: every row fails, naming why', async () => {
    const locker = new DirectoryLocker(store);
    const config = parseConfig(
      {
        locker: { retentionDays: 730, signingKeyFile: path.join(dir, 'signing-key.pem') },
        okta: { orgUrl: server.url },
        auditPeriod: { start: DAYS[0] },
      },
      'test',
      COLLECTORS,
    );
    const report = await samplePeople({
      locker,
      config,
      population: usersPopulation,
      from: UNSEALED,
      to: UNSEALED,
      seed: 's',
      size: 5,
    });
    expect(report.day).toBe(UNSEALED);
    expect(report.samples).toHaveLength(5);
    for (const s of report.samples) {
      expect(s.verdict).toBe('fail');
      expect(s.detail).toMatch(/^the snapshot holding it is not sealed by any digest/);
    }
  });

  it('refuses a stratum attribute the snapshots do not record, and --strata on a population of occurrences (exit 2)', async () => {
    const unknown = await draw('x', ['--strata', 'costCenter']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /--strata "costCenter".*record: department, employeeType, manager, title.*okta\.users\.profileAttributes/,
    );
    const changes = await runCli(
      [
        'sample',
        '--population',
        'changes',
        '--strata',
        'department',
        '--from',
        DAYS[0]!,
        '--to',
        DAYS[1]!,
        ...base(),
      ],
      { clock: '2026-04-22T09:00:00.000Z' },
    );
    expect(changes.code).toBe(2);
    expect(changes.stderr).toMatch(/--strata stratifies a population of people/);
  });
});
