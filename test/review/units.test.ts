/**
 * The pieces of an access review that need no locker: the `reviews` configuration, the cadence's
 * periods, who counts as an outside principal, reviewer assignment, sheets and their parsing
 * with hostile names.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_CHECKS } from '../../shared/checks/registry.js';
import { outsidePrincipals } from '../../shared/collectors/iam/review-accounts.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { idProblem } from '../../shared/evidence/ids.js';
import { judgeCampaign } from '../../shared/review/campaign.js';
import type { ReviewAccount } from '../../shared/review/population.js';
import type { Campaign } from '../../shared/review/records.js';
import { assignReviewers, NO_REVIEWERS, readReviewersFile } from '../../shared/review/reviewers.js';
import { reviewPeriods, reviewSettings } from '../../shared/review/settings.js';
import { parseCsv, parseDecisions, reviewSheets } from '../../shared/review/sheets.js';
import { reviewWorkpaperMarkdown } from '../../shared/review/workpaper.js';

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

describe('access-review-completed', () => {
  const [check] = RECORD_CHECKS;
  const base = { id: 'okta-2026-03-31-3f9a0c1b', closeKey: 'reviews/x/close.json', population: 3 };
  it('is registered for CC6.2 and CC6.3 over reviews/', () => {
    expect(RECORD_CHECKS.map((c) => [c.id, [...c.controls], c.reads])).toEqual([
      ['access-review-completed', ['CC6.2', 'CC6.3'], 'reviews/'],
    ]);
  });
  it('passes a campaign closed complete, fails one never closed or incomplete, naming the accounts', () => {
    expect(check!.run({ ...base, status: 'complete', missing: [], failing: [] }).result).toBe('pass');
    expect(check!.run({ ...base, status: 'open', missing: ['never closed'], failing: [] })).toMatchObject({
      result: 'fail',
      failing: [base.id],
    });
    expect(
      check!.run({
        ...base,
        status: 'incomplete',
        missing: ['cara: not removed'],
        failing: ['cara@acme.example'],
      }),
    ).toMatchObject({ result: 'fail', failing: ['cara@acme.example'] });
    // Complete, but resting on a record that no longer stands: a fail.
    expect(
      check!.run({ ...base, status: 'complete', missing: ['x no longer stands'], failing: ['x'] }).result,
    ).toBe('fail');
  });
});

describe('judging a campaign', () => {
  const campaign = {
    schema: 'evidence.review-campaign/1',
    id: 'okta-2026-03-31-3f9a0c1b',
    system: 'okta',
    asOf: '2026-03-31',
    startedAt: '2026-04-01T09:00:00.000Z',
    removalSlaDays: 5,
    sources: [],
    population: [account('ann'), account('bob'), account('cid')],
    assignments: [
      { account: 'ann', reviewer: 'boss', via: 'manager' },
      { account: 'bob', reviewer: 'boss', via: 'manager' },
      { account: 'cid', reviewer: 'boss', via: 'manager' },
    ],
    delegates: { boss: ['deputy'] },
    reviewersFile: null,
    command: 'evidence review start --system okta --as-of 2026-03-31',
    tool: { name: 'evidence-locker', version: 'test' },
  } as unknown as Campaign;
  const decisions = (key: string, by: string, at: string, rows: [string, string][]) => ({
    key,
    sha256: 'x',
    value: {
      schema: 'evidence.review-decisions/1' as const,
      campaign: campaign.id,
      by,
      recordedAt: at,
      file: { sha256: 'y' },
      decisions: rows.map(([a, d]) => ({ account: a, decision: d as 'keep', note: '' })),
      tool: campaign.tool,
    },
  });

  it('the latest decision counts; a delegate counts; anyone else does not; every earlier one stays listed', () => {
    const state = {
      id: campaign.id,
      campaign: { key: 'reviews/c/campaign.json', sha256: 'z', value: campaign },
      decisions: [
        decisions('reviews/c/20260401T100000000Z-decisions.json', 'boss', '2026-04-01T10:00:00.000Z', [
          ['ann', 'keep'],
          ['bob', 'keep'],
          ['cid', 'keep'],
        ]),
        decisions('reviews/c/20260402T100000000Z-decisions.json', 'deputy', '2026-04-02T10:00:00.000Z', [
          ['bob', 'keep'],
        ]),
        decisions('reviews/c/20260403T100000000Z-decisions.json', 'mallory', '2026-04-03T10:00:00.000Z', [
          ['cid', 'keep'],
        ]),
      ],
      refused: [],
      closes: [],
      rejected: [],
    };
    const judged = judgeCampaign(state, new Map(), new Date('2026-04-10T00:00:00.000Z'));
    expect(judged.complete).toBe(false);
    expect(judged.accounts.map((a) => [a.account, a.by, a.counts])).toEqual([
      ['ann', 'boss', true],
      ['bob', 'deputy', true],
      ['cid', 'mallory', false],
    ]);
    expect(judged.missing).toEqual([
      'cid: decided by mallory, who is neither the assigned reviewer boss nor a named delegate',
    ]);
    expect(judged.decisionRecords).toHaveLength(3);
  });
});

describe('the campaign workpaper', () => {
  it('keeps names from outside inert in Markdown', () => {
    const hostile = 'x](http://evil)|<img src=x>\n# heading';
    const state = {
      id: 'okta-2026-03-31-3f9a0c1b',
      campaign: {
        key: 'reviews/okta-2026-03-31-3f9a0c1b/20260401T090000000Z-campaign.json',
        sha256: 'a'.repeat(64),
        value: {
          id: 'okta-2026-03-31-3f9a0c1b',
          system: 'okta',
          asOf: '2026-03-31',
          startedAt: '2026-04-01T09:00:00.000Z',
          removalSlaDays: 5,
          sources: [],
          population: [account(hostile)],
          assignments: [{ account: hostile, reviewer: `[boss](javascript:alert(1))`, via: 'manager' }],
          delegates: {},
          reviewersFile: null,
          command: 'evidence review start --system okta --as-of 2026-03-31',
        },
      },
      decisions: [],
      refused: [],
      closes: [],
      rejected: [],
    } as unknown as Parameters<typeof reviewWorkpaperMarkdown>[0]['state'];
    const md = reviewWorkpaperMarkdown({
      state,
      store: '/tmp/locker',
      generatedAt: new Date('2026-04-10T00:00:00.000Z'),
    });
    expect(md).toContain('**Not closed**');
    expect(md).not.toContain('](http://evil)');
    expect(md).not.toContain('](javascript:');
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).not.toMatch(/^# heading/m);
    for (const line of md.split('\n').filter((l) => l.startsWith('| 1 |')))
      expect(line.split(/(?<!\\)\|/)).toHaveLength(11);
  });
});
