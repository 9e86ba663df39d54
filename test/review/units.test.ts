/**
 * The pieces of an access review that need no locker: the `reviews` configuration, the cadence's
 * periods, who counts as an outside principal, reviewer assignment, sheets and their parsing
 * with hostile names.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsidePrincipals } from '../../shared/collectors/iam/review-accounts.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { idProblem } from '../../shared/evidence/ids.js';
import type { ReviewAccount } from '../../shared/review/population.js';
import type { Campaign } from '../../shared/review/records.js';
import { assignReviewers, NO_REVIEWERS, readReviewersFile } from '../../shared/review/reviewers.js';
import { reviewPeriods, reviewSettings } from '../../shared/review/settings.js';
import { parseCsv, parseDecisions, reviewSheets } from '../../shared/review/sheets.js';

const base = {
  locker: { retentionDays: 730 },
  okta: { orgUrl: 'https://acme.okta.com' },
  auditPeriod: { start: '2026-02-15', end: '2026-11-30' },
};

describe('reviews configuration', () => {
  it('defaults: quarterly, the collected systems, 5 days to remove, 30 days of grace; absent: nothing expected', () => {
    expect(reviewSettings(parseConfig({ ...base, reviews: {} }, 'test', COLLECTORS))).toEqual({
      expected: true,
      cadence: 'quarterly',
      systems: ['okta'],
      removalSlaDays: 5,
      graceDays: 30,
    });
    expect(reviewSettings(parseConfig(base, 'test', COLLECTORS)).expected).toBe(false);
  });

  it.each([
    [{ cadence: 'monthly' }, /reviews\.cadence: got "monthly", expected "quarterly"/],
    [{ systems: ['okta', 'jira'] }, /reviews\.systems\.1: got "jira", expected "okta", "github" or "aws"/],
    [{ systems: ['okta', 'okta'] }, /reviews\.systems: .*a system is listed twice/],
    [{ removalSlaDays: 'five' }, /reviews\.removalSlaDays: got "five", expected a whole number of days/],
    [{ graceDays: -1 }, /reviews\.graceDays: got -1/],
    [{ reviewers: 'x' }, /reviews: unknown key "reviewers"/],
    [{ systems: ['github'] }, /reviews\.systems: got \["github"\], which the configuration does not collect/],
  ])('refuses %j naming the key', (reviews, message) => {
    expect(() => parseConfig({ ...base, reviews }, 'test', COLLECTORS)).toThrow(message);
  });

  it('periods: calendar quarters clipped to the audit period, each due graceDays after its end', () => {
    const config = parseConfig({ ...base, reviews: { graceDays: 10 } }, 'test', COLLECTORS);
    expect(reviewPeriods(config, { from: '2026-01-01', to: '2026-12-31' })).toEqual([
      { id: '2026-Q1', from: '2026-02-15', to: '2026-03-31', due: '2026-04-10' },
      { id: '2026-Q2', from: '2026-04-01', to: '2026-06-30', due: '2026-07-10' },
      { id: '2026-Q3', from: '2026-07-01', to: '2026-09-30', due: '2026-10-10' },
      { id: '2026-Q4', from: '2026-10-01', to: '2026-11-30', due: '2026-12-10' },
    ]);
    expect(reviewPeriods(config, { from: '2026-05-01', to: '2026-05-02' }).map((p) => p.id)).toEqual([
      '2026-Q2',
    ]);
  });

  it('campaign ids follow the one grammar', () => {
    expect(idProblem('campaign', 'okta-2026-03-31-3f9a0c1b')).toBeUndefined();
    for (const bad of [
      'okta-2026-02-30-3f9a0c1b',
      'jira-2026-03-31-3f9a0c1b',
      '../okta-2026-03-31-3f9a0c1b',
      'okta-2026-03-31-3F9A0C1B',
    ])
      expect(idProblem('campaign', bad), bad).toBeDefined();
  });
});

describe('AWS roles trusting outside principals', () => {
  const role = (principal: unknown, effect = 'Allow') => ({
    assumeRolePolicyDocument: {
      Statement: [{ Effect: effect, Principal: principal, Action: 'sts:AssumeRole' }],
    },
  });
  it('another account, *, a federated provider count; the own account, a service and a Deny do not', () => {
    expect(outsidePrincipals(role({ AWS: 'arn:aws:iam::999999999999:root' }), '111122223333')).toEqual([
      'AWS:arn:aws:iam::999999999999:root',
    ]);
    expect(outsidePrincipals(role('*'), '111122223333')).toEqual(['*']);
    expect(
      outsidePrincipals(role({ Federated: 'arn:aws:iam::111122223333:saml-provider/okta' }), '111122223333'),
    ).toHaveLength(1);
    expect(
      outsidePrincipals(role({ AWS: ['111122223333', 'arn:aws:iam::111122223333:role/x'] }), '111122223333'),
    ).toEqual([]);
    expect(outsidePrincipals(role({ Service: 'lambda.amazonaws.com' }), '111122223333')).toEqual([]);
    expect(outsidePrincipals(role({ AWS: '999999999999' }, 'Deny'), '111122223333')).toEqual([]);
  });
});

const account = (name: string, over: Partial<ReviewAccount> = {}): ReviewAccount => ({
  account: name,
  kind: 'user',
  scope: 'okta-acme.okta.com',
  identities: [name],
  groups: [],
  manager: null,
  context: {},
  ...over,
});

describe('reviewer assignment', () => {
  it('account entry, then manager, then groups, then default; never oneself', () => {
    const reviewers = {
      ...NO_REVIEWERS,
      accounts: { boss: 'board' },
      groups: { Admins: 'ciso' },
      default: 'boss',
    };
    expect(
      assignReviewers(
        [
          account('boss'),
          account('ann', { manager: 'boss', groups: ['Admins'] }),
          account('ciso', { groups: ['Admins'] }),
          account('zed'),
        ],
        reviewers,
      ),
    ).toEqual([
      { account: 'boss', reviewer: 'board', via: 'account' },
      { account: 'ann', reviewer: 'boss', via: 'manager' },
      { account: 'ciso', reviewer: 'boss', via: 'default' },
      { account: 'zed', reviewer: 'boss', via: 'default' },
    ]);
  });

  it('an account only its owner could review refuses the campaign, naming it', () => {
    expect(() => assignReviewers([account('boss')], { ...NO_REVIEWERS, default: 'BOSS' })).toThrow(
      /1 account\(s\) have no reviewer other than themselves: "boss"/,
    );
  });

  it('a reviewers file with a misspelt key is refused naming the key', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'reviewers-')), 'r.json');
    await writeFile(file, JSON.stringify({ default: 'x', delegate: {} }));
    expect(() => readReviewersFile(file)).toThrow(/unknown key\(s\) "delegate"/);
    await writeFile(file, JSON.stringify({ groups: { Admins: '' } }));
    expect(() => readReviewersFile(file)).toThrow(/groups\.Admins: expected a login/);
  });
});

describe('review sheets', () => {
  const hostile = '=HYPERLINK("http://evil","x")';
  const campaign = {
    population: [
      account(hostile, { context: { status: 'ACTIVE', title: '@SUM(1+1)' } }),
      account('bob', { context: { status: 'ACTIVE' } }),
    ],
    assignments: [
      { account: hostile, reviewer: '../../etc/passwd', via: 'default' },
      { account: 'bob', reviewer: '../../etc/passwd', via: 'default' },
    ],
  } as unknown as Campaign;

  it('one sheet per reviewer with a safe file name; formula-looking cells are inert; read back to the same accounts', () => {
    const [sheet] = reviewSheets(campaign);
    expect(sheet!.file).toMatch(/^sheet-etc-passwd-[0-9a-f]{8}\.csv$/);
    const rows = parseCsv(sheet!.csv);
    expect(rows[0]!.slice(0, 3)).toEqual(['account', 'decision', 'note']);
    expect(rows[1]![0]).toBe(`'${hostile}`);
    expect(sheet!.csv).toContain(`'@SUM(1+1)`);
    // A reviewer fills in the decision column and records the sheet as it is.
    const filled = sheet!.csv.replace(
      `'${hostile.replace(/"/g, '""')}",`,
      `'${hostile.replace(/"/g, '""')}",remove`,
    );
    const decisions = parseDecisions(filled.replace(/\r\nbob,,/, '\r\nbob,keep,'), 'sheet.csv');
    expect(decisions.map((d) => [d.account, d.decision])).toEqual([
      [hostile, 'remove'],
      ['bob', 'keep'],
    ]);
  });

  it('refuses an unknown decision, a change without a note and an account decided twice, naming the lines', () => {
    const text = 'account,decision,note\nann,approve,\nbob,change,\ncid,keep,\ncid,remove,x\ndee,,\n';
    expect(() => parseDecisions(text, 'f.csv')).toThrow(
      /line 2: decision "approve".*\n.*line 3: "change" for "bob" needs a note.*\n.*line 5: "cid" is decided twice \(also line 4\)/,
    );
    expect(() => parseDecisions('who,what\nann,keep\n', 'f.csv')).toThrow(
      /header with the columns account,decision,note/,
    );
  });
});
