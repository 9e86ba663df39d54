/**
 * Which series verify expects and from which day (shared/verify/expected.ts), called directly:
 * the latest `since` of source, account and region wins, each only for its own scopes; the
 * default AWS account from STS, else inferred from the locker's unlisted accounts (the latest
 * seen first), else unknown and said so. Written for the survivors of mutation testing
 * (docs/threat-model.md, "Mutation testing"): every `since` moves the first expected day, so a
 * wrong one hides a gap or invents one.
 */
import { describe, expect, it } from 'vitest';
import { SourceUnavailableError } from '../../shared/errors.js';
import {
  expectedSeries,
  inferDefaultAccount,
  resolveScopeEnvironment,
  sinceOf,
} from '../../shared/verify/expected.js';
import { fakeCollector, testConfig } from './fixtures.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';

/** Start 2026-04-01; aws.since 04-03; accounts A (04-05), B (04-02), C (none); regions eu-west-1 04-07, us-east-1 04-02. */
const config = testConfig({
  aws: {
    regions: ['us-east-1', 'eu-west-1'],
    since: '2026-04-03',
    accounts: [{ id: A, since: '2026-04-05' }, { id: B, since: '2026-04-02' }, { id: C }],
    regionsSince: { 'eu-west-1': '2026-04-07', 'us-east-1': '2026-04-02' },
  },
  okta: { orgUrl: 'https://acme.okta.com', since: '2026-04-04' },
  github: { org: 'acme', since: '2026-04-06' },
});

describe('sinceOf: the latest since the configuration names for the source, account and region', () => {
  it.each([
    // The account's since, at index 0 of aws.accounts, over aws.since.
    [`aws-${A}`, '2026-04-05', 'aws.accounts[0].since'],
    [`aws-${A}-us-east-1`, '2026-04-05', 'aws.accounts[0].since'],
    // An account's or region's since earlier than aws.since does not win.
    [`aws-${B}-us-east-1`, '2026-04-03', 'aws.since'],
    [`aws-${B}`, '2026-04-03', 'aws.since'],
    // The region's since, later than the account's.
    [`aws-${A}-eu-west-1`, '2026-04-07', 'aws.regionsSince.eu-west-1'],
    [`aws-${C}-eu-west-1`, '2026-04-07', 'aws.regionsSince.eu-west-1'],
    // An account listed without since, or not listed at all: aws.since.
    [`aws-${C}`, '2026-04-03', 'aws.since'],
    [`aws-${D}-us-east-1`, '2026-04-03', 'aws.since'],
    // Not an aws-<12 digits> scope: no account is named, so none of their since applies.
    [`aws-${A}9`, '2026-04-03', 'aws.since'],
    [`xaws-${A}`, '2026-04-03', 'aws.since'],
    [`aws-${A.slice(1)}-eu-west-1`, '2026-04-03', 'aws.since'],
    // Not a region: a regional scope is aws-<account>-<region> and nothing more.
    [`aws-${A}-eu-west-1_x`, '2026-04-05', 'aws.accounts[0].since'],
    [`org-aws-${C}-eu-west-1`, '2026-04-03', 'aws.since'],
  ])('aws %s: from %s (%s)', (scope, since, sinceReason) => {
    expect(sinceOf(config, 'aws', scope)).toEqual({ since, sinceReason });
  });

  it('each source only its own since: okta, github, and the aws keys never for another source', () => {
    expect(sinceOf(config, 'okta', 'okta-acme')).toEqual({ since: '2026-04-04', sinceReason: 'okta.since' });
    expect(sinceOf(config, 'github', 'org-acme')).toEqual({
      since: '2026-04-06',
      sinceReason: 'github.since',
    });
    expect(sinceOf(config, 'okta', `aws-${A}-eu-west-1`)).toEqual({
      since: '2026-04-04',
      sinceReason: 'okta.since',
    });
    expect(sinceOf(config, 'github', `aws-${A}-eu-west-1`)).toEqual({
      since: '2026-04-06',
      sinceReason: 'github.since',
    });
    expect(sinceOf(config, 'other', `aws-${A}-eu-west-1`)).toEqual({
      since: '2026-04-01',
      sinceReason: 'auditPeriod.start',
    });
  });

  it('a since on the audit start or before it leaves auditPeriod.start; no since at all too', () => {
    const early = testConfig({
      aws: {
        regions: ['us-east-1'],
        since: '2026-04-01',
        accounts: [{ id: A, since: '2026-03-01' }],
        regionsSince: { 'us-east-1': '2026-04-01' },
      },
      okta: { orgUrl: 'https://acme.okta.com', since: '2026-04-01' },
      github: { org: 'acme', since: '2026-03-31' },
    });
    const start = { since: '2026-04-01', sinceReason: 'auditPeriod.start' };
    expect(sinceOf(early, 'aws', `aws-${A}-us-east-1`)).toEqual(start);
    expect(sinceOf(early, 'okta', 'okta-acme')).toEqual(start);
    expect(sinceOf(early, 'github', 'org-acme')).toEqual(start);
    // No aws, okta or github section naming a since.
    const none = testConfig();
    expect(sinceOf(none, 'aws', `aws-${A}-us-east-1`)).toEqual(start);
    expect(sinceOf(none, 'okta', 'okta-acme')).toEqual(start);
    expect(sinceOf(none, 'github', 'org-acme')).toEqual(start);
    // No github section (okta only).
    const oktaOnly = testConfig({ github: undefined, okta: { orgUrl: 'https://acme.okta.com' } });
    expect(sinceOf(oktaOnly, 'github', 'org-acme')).toEqual(start);
  });
});

describe('expectedSeries: every configured collector × each of its scopes', () => {
  it('scopes once each, sorted, with the collector, controls and since; a collector without scopes expects none', () => {
    const collectors = [
      fakeCollector('fake-b', () => ['x-2', 'x-1', 'x-2'], { controls: ['CC7.2', 'CC6.1'] }),
      fakeCollector('fake-aws', () => [`aws-${A}-eu-west-1`, `aws-${B}`], { source: 'aws' }),
      fakeCollector('fake-none', () => []),
    ];
    expect(expectedSeries(config, collectors, {})).toEqual({
      series: [
        {
          collector: 'fake-b',
          scope: 'x-1',
          series: 'fake-b/x-1',
          controls: ['CC7.2', 'CC6.1'],
          since: '2026-04-06',
          sinceReason: 'github.since',
        },
        {
          collector: 'fake-b',
          scope: 'x-2',
          series: 'fake-b/x-2',
          controls: ['CC7.2', 'CC6.1'],
          since: '2026-04-06',
          sinceReason: 'github.since',
        },
        {
          collector: 'fake-aws',
          scope: `aws-${A}-eu-west-1`,
          series: `fake-aws/aws-${A}-eu-west-1`,
          controls: ['CC8.1'],
          since: '2026-04-07',
          sinceReason: 'aws.regionsSince.eu-west-1',
        },
        {
          collector: 'fake-aws',
          scope: `aws-${B}`,
          series: `fake-aws/aws-${B}`,
          controls: ['CC8.1'],
          since: '2026-04-03',
          sinceReason: 'aws.since',
        },
      ],
      notes: [],
    });
  });

  it('a collector whose scopes cannot be derived is expected as <source>-unresolved, said so; the others still are', () => {
    const unresolved = fakeCollector(
      'fake-aws',
      () => {
        throw new SourceUnavailableError('default account unknown');
      },
      { source: 'aws' },
    );
    const result = expectedSeries(config, [unresolved, fakeCollector('fake-a', () => ['org-acme'])], {});
    expect(result.series.map((s) => [s.series, s.since, s.sinceReason])).toEqual([
      ['fake-aws/aws-unresolved', '2026-04-03', 'aws.since'],
      ['fake-a/org-acme', '2026-04-06', 'github.since'],
    ]);
    expect(result.notes).toEqual([
      'fake-aws: its scopes could not be derived (default account unknown); expecting the series fake-aws/aws-unresolved instead',
    ]);
  });
});

describe('inferDefaultAccount: the unlisted account of the locker seen last', () => {
  it('none: no account and no note (listed accounts, other sources and malformed scopes do not count)', () => {
    const seen = new Map([
      [`aws-${A}-us-east-1`, '2026-04-10'], // listed in aws.accounts
      ['org-acme', '2026-04-10'],
      [`aws-${D}9`, '2026-04-10'],
      [`xaws-${D}`, '2026-04-10'],
    ]);
    expect(inferDefaultAccount(config, seen)).toEqual({});
  });

  it('one: that account, from any of its scopes, with the note', () => {
    const seen = new Map([
      [`aws-${D}`, '2026-04-03'],
      [`aws-${D}-us-east-1`, '2026-04-09'],
      [`aws-${A}`, '2026-04-10'],
    ]);
    expect(inferDefaultAccount(config, seen)).toEqual({
      accountId: D,
      note: `default AWS account ${D} inferred from the locker (AWS credentials did not answer STS GetCallerIdentity)`,
    });
    // Without aws.accounts, every account counts.
    expect(inferDefaultAccount(testConfig(), seen).accountId).toBe(A);
  });

  it('several: the one seen on the latest day (its latest scope counts), ties by account id; the others named', () => {
    const E = '555555555555';
    const F = '666666666666';
    const seen = new Map([
      [`aws-${D}-us-east-1`, '2026-04-10'],
      [`aws-${D}-eu-west-1`, '2026-04-02'], // earlier than D's other scope: D stays at 04-10
      [`aws-${F}`, '2026-04-08'],
      [`aws-${E}`, '2026-04-10'],
      [`aws-${E}-eu-west-1`, '2026-04-09'],
      [`aws-${F}-us-east-1`, '2026-04-09'],
    ]);
    // D and E on 04-10 (D first by id), then F on 04-09 (its later scope).
    expect(inferDefaultAccount(config, seen)).toEqual({
      accountId: D,
      note: `default AWS account ${D} inferred from the locker (last seen 2026-04-10); the locker also holds unlisted accounts ${E}, ${F}: add them to aws.accounts if they are still collected`,
    });
    // The same with the entries in the other order.
    expect(inferDefaultAccount(config, new Map([...seen].reverse()))).toEqual(
      inferDefaultAccount(config, seen),
    );
    // A later day wins over a smaller id.
    const later = new Map([
      [`aws-${D}`, '2026-04-05'],
      [`aws-${F}`, '2026-04-06'],
    ]);
    expect(inferDefaultAccount(config, later).accountId).toBe(F);
    expect(inferDefaultAccount(config, new Map([...later].reverse())).accountId).toBe(F);
  });
});

describe('resolveScopeEnvironment: STS first, else the locker, else unknown', () => {
  const aws = fakeCollector('fake-aws', () => [], { source: 'aws' });
  const github = fakeCollector('fake-a', () => ['org-acme']);
  const calls: string[] = [];
  const seen = (map: Map<string, string>) => async () => {
    calls.push('seen');
    return map;
  };
  const refused = async (): Promise<string> => {
    calls.push('sts');
    throw new SourceUnavailableError('no credentials');
  };
  const locker = new Map([[`aws-${D}-us-east-1`, '2026-04-10']]);

  it('no AWS collector: nothing asked, nothing noted', async () => {
    calls.length = 0;
    expect(await resolveScopeEnvironment(config, [github], seen(locker), refused)).toEqual({
      env: {},
      notes: [],
    });
    expect(calls).toEqual([]);
  });

  it('STS answers: its account, the locker not read, no note (an AWS collector among others)', async () => {
    calls.length = 0;
    const sts = async () => {
      calls.push('sts');
      return C;
    };
    expect(await resolveScopeEnvironment(config, [github, aws], seen(locker), sts)).toEqual({
      env: { defaultAccountId: C },
      notes: [],
    });
    expect(calls).toEqual(['sts']);
  });

  it('STS refuses: the account inferred from the locker, with its note', async () => {
    calls.length = 0;
    expect(await resolveScopeEnvironment(config, [aws], seen(locker), refused)).toEqual({
      env: { defaultAccountId: D },
      notes: [
        `default AWS account ${D} inferred from the locker (AWS credentials did not answer STS GetCallerIdentity)`,
      ],
    });
    expect(calls).toEqual(['sts', 'seen']);
  });

  it('nothing to infer: no account, and the note says whether STS was tried', async () => {
    const empty = new Map<string, string>();
    expect(await resolveScopeEnvironment(config, [aws], seen(empty), refused)).toEqual({
      env: {},
      notes: [
        'the default AWS account is unknown: STS did not answer (no credentials) and the locker holds no aws-<account> scope outside aws.accounts',
      ],
    });
    expect(await resolveScopeEnvironment(config, [aws], seen(empty))).toEqual({
      env: {},
      notes: [
        'the default AWS account is unknown: no AWS credentials were tried and the locker holds no aws-<account> scope outside aws.accounts',
      ],
    });
  });
});
