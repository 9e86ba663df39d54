import { describe, expect, it } from 'vitest';
import { iamConsoleMfaCheck as check } from '../../shared/collectors/iam/iam-console-mfa.js';
import { iam, key, row } from '../fixtures/aws/snapshots.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1'] });

describe('iam-console-mfa', () => {
  it('Compliant: root and every console user have MFA; users without a password need none', () => {
    const outcome = check.run(
      iam([
        row('<root_account>', { mfaActive: true }),
        row('alice', { passwordEnabled: true, mfaActive: true }),
        row('ci-bot', { passwordEnabled: false, mfaActive: false }),
      ]),
      config,
    );
    expect(outcome).toMatchObject({ result: 'pass', failing: [] });
    expect(outcome.detail).toMatch(/root and all 1 console user\(s\) have MFA/);
  });

  it('Noncompliant: console users without MFA are named, and the root user', () => {
    const outcome = check.run(
      iam([
        row('<root_account>', { mfaActive: false }),
        row('zed', { passwordEnabled: true }),
        row('bob', { passwordEnabled: true }),
        row('alice', { passwordEnabled: true, mfaActive: true }),
      ]),
      config,
    );
    expect(outcome).toMatchObject({ result: 'fail', failing: ['<root_account>', 'bob', 'zed'] });
    expect(outcome.detail).toMatch(
      /the root user has no MFA; 2 of 3 console user\(s\) without MFA: bob, zed/,
    );
  });

  it('without a <root_account> row, root MFA comes from AccountMFAEnabled', () => {
    expect(check.run(iam([], { AccountMFAEnabled: 1 }), config).result).toBe('pass');
    expect(check.run(iam([], { AccountMFAEnabled: 0 }), config)).toMatchObject({
      result: 'fail',
      failing: ['<root_account>'],
    });
  });

  describe('root user without credentials (centralized root access management)', () => {
    it('Compliant: root has no password and no access key, so it needs no MFA', () => {
      const outcome = check.run(
        iam(
          [
            row('<root_account>', { mfaActive: false }),
            row('alice', { passwordEnabled: true, mfaActive: true }),
          ],
          { AccountMFAEnabled: 0, AccountPasswordPresent: 0, AccountAccessKeysPresent: 0 },
        ),
        config,
      );
      expect(outcome).toMatchObject({ result: 'pass', failing: [] });
      expect(outcome.detail).toMatch(/root user has no password and no access key/);
    });

    it('Noncompliant: root with a password and no MFA', () => {
      const outcome = check.run(
        iam([row('<root_account>', { mfaActive: false })], {
          AccountMFAEnabled: 0,
          AccountPasswordPresent: 1,
          AccountAccessKeysPresent: 0,
        }),
        config,
      );
      expect(outcome).toMatchObject({ result: 'fail', failing: ['<root_account>'] });
    });

    it('Noncompliant: root with an active access key and no MFA', () => {
      const outcome = check.run(
        iam([row('<root_account>', { mfaActive: false, accessKey1: key('2026-01-01T00:00:00.000Z') })], {
          AccountMFAEnabled: 0,
          AccountPasswordPresent: 0,
        }),
        config,
      );
      expect(outcome).toMatchObject({ result: 'fail', failing: ['<root_account>'] });
    });

    it('Noncompliant: report says not_supported and the summary does not say there is no password', () => {
      const outcome = check.run(
        iam([row('<root_account>', { mfaActive: false })], { AccountMFAEnabled: 0 }),
        config,
      );
      expect(outcome).toMatchObject({ result: 'fail', failing: ['<root_account>'] });
    });

    // Each way root can still sign in keeps MFA required (issue 27 item 5: the mutants of the
    // root conditions). Without MFA, root passes only when no password AND no key is known.
    const rootCase = (rows: Parameters<typeof iam>[0], summary: Record<string, number>) =>
      check.run(iam(rows, { AccountMFAEnabled: 0, ...summary }), config);
    it.each([
      ['report: password false, no key', [row('<root_account>', { passwordEnabled: false })], {}],
      [
        'no row; summary: no password, no key',
        [],
        { AccountPasswordPresent: 0, AccountAccessKeysPresent: 0 },
      ],
      [
        'report not_supported; summary: no password, no key',
        [row('<root_account>')],
        { AccountPasswordPresent: 0 },
      ],
    ] as const)('Compliant without MFA: %s', (_what, rows, summary) => {
      const outcome = rootCase([...rows], summary);
      expect(outcome).toMatchObject({ result: 'pass', failing: [] });
      expect(outcome.detail).toBe(
        'account 123456789012: the root user has no password and no access key (cannot sign in), and all 0 console user(s) have MFA',
      );
    });
    it.each([
      [
        'report: password true',
        [row('<root_account>', { passwordEnabled: true })],
        { AccountPasswordPresent: 0 },
      ],
      [
        'report: password false, key 2 active',
        [row('<root_account>', { passwordEnabled: false, accessKey2: key('2026-01-01T00:00:00.000Z') })],
        {},
      ],
      [
        'report: password false; summary: a key present',
        [row('<root_account>', { passwordEnabled: false })],
        { AccountAccessKeysPresent: 1 },
      ],
      [
        'report: password false, key inactive; summary: a key present',
        [
          row('<root_account>', {
            passwordEnabled: false,
            accessKey1: key('2026-01-01T00:00:00.000Z', false),
          }),
        ],
        { AccountAccessKeysPresent: 1 },
      ],
      ['no row; summary: no password, keys unknown', [], { AccountPasswordPresent: 0 }],
      ['no row; summary: password unknown, no key', [], { AccountAccessKeysPresent: 0 }],
      ['no row; summary: a password, no key', [], { AccountPasswordPresent: 1, AccountAccessKeysPresent: 0 }],
      [
        'report not_supported; summary: password unknown',
        [row('<root_account>')],
        { AccountAccessKeysPresent: 0 },
      ],
    ] as const)('Noncompliant without MFA: %s', (_what, rows, summary) => {
      const outcome = rootCase([...rows], summary);
      expect(outcome).toMatchObject({ result: 'fail', failing: ['<root_account>'] });
      expect(outcome.detail).toBe('account 123456789012: the root user has no MFA');
    });
    it('a root row with MFA passes whatever the summary says', () => {
      expect(rootCase([row('<root_account>', { mfaActive: true, passwordEnabled: true })], {}).result).toBe(
        'pass',
      );
    });
  });

  it('the root user is found by its row wherever it is, and never counted as a console user', () => {
    const outcome = check.run(
      iam([
        row('alice', { passwordEnabled: true, mfaActive: true }),
        row('<root_account>', { passwordEnabled: true, mfaActive: false }),
      ]),
      config,
    );
    expect(outcome).toMatchObject({
      result: 'fail',
      failing: ['<root_account>'],
      detail: 'account 123456789012: the root user has no MFA',
    });
    const users = check.run(
      iam([
        row('<root_account>', { mfaActive: true }),
        row('bob', { passwordEnabled: true }),
        row('al', { passwordEnabled: true, mfaActive: true }),
      ]),
      config,
    );
    expect(users).toMatchObject({
      result: 'fail',
      failing: ['bob'],
      detail: 'account 123456789012: 1 of 2 console user(s) without MFA: bob',
    });
  });

  it('a stale credential report is not judged: the check fails naming it', () => {
    const snapshot = iam([row('<root_account>', { mfaActive: true })]);
    snapshot.data.credentialReport.generatedTime = '2026-04-19T00:04:59.999Z';
    const outcome = check.run(snapshot, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['stale-credential-report'] });
    expect(outcome.detail).toMatch(
      /^account 123456789012: not judged: the credential report was generated at /,
    );
  });
});
