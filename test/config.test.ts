import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

const valid = {
  locker: { retentionDays: 730 },
  aws: { regions: ['us-east-1', 'eu-west-1'], accounts: [] },
  okta: { orgUrl: 'https://example.okta.com', privilegedGroups: ['Administrators'] },
  github: { org: 'example', requiredApprovals: 1 },
  auditPeriod: { start: '2026-01-01' },
};

describe('configuration', () => {
  it("accepts the README's example and fills defaults", () => {
    const config = parseConfig(valid);
    expect(config.aws?.roleName).toBe('EvidenceLockerCollector');
    expect(config.checks).toEqual({
      iamKeyMaxAgeDays: 90,
      vulnerabilitySlaDays: { critical: 7, high: 30, medium: 90, low: 180 },
      backupMaxAgeHours: 26,
      backupRetentionDays: 7,
      freshnessHours: {
        credentialReport: 24,
        configRecorder: 48,
        configDelivery: 48,
        cloudTrailDelivery: 24,
        oktaFactors: 192,
        inspectorScan: 48,
      },
    });
    expect(config.locker.sealGraceHours).toBe(36);
    expect(config.schedule.collect).toBe('cron(5 0 * * ? *)');
  });

  it('checks: a severity left out of vulnerabilitySlaDays keeps its default; an unknown severity is an error', () => {
    const config = parseConfig({ ...valid, checks: { vulnerabilitySlaDays: { critical: 3 } } });
    expect(config.checks.vulnerabilitySlaDays).toEqual({ critical: 3, high: 30, medium: 90, low: 180 });
    expect(() => parseConfig({ ...valid, checks: { vulnerabilitySlaDays: { urgent: 1 } } })).toThrow(
      /checks\.vulnerabilitySlaDays/,
    );
    expect(() => parseConfig({ ...valid, checks: { backupRetentionDays: 0 } })).toThrow(
      /checks\.backupRetentionDays/,
    );
  });

  it('checks.freshnessHours: a source left out keeps its default; a bound below what the source allows is refused, named', () => {
    const config = parseConfig({ ...valid, checks: { freshnessHours: { cloudTrailDelivery: 6 } } });
    expect(config.checks.freshnessHours).toMatchObject({ cloudTrailDelivery: 6, credentialReport: 24 });
    expect(() => parseConfig({ ...valid, checks: { freshnessHours: { credentialReport: 2 } } })).toThrow(
      /checks\.freshnessHours\.credentialReport.*at least 4/s,
    );
    expect(() => parseConfig({ ...valid, checks: { freshnessHours: { inspectorScan: 12 } } })).toThrow(
      /checks\.freshnessHours\.inspectorScan.*at least 24/s,
    );
    expect(() => parseConfig({ ...valid, checks: { freshnessHours: { configRecorder: 1.5 } } })).toThrow(
      /checks\.freshnessHours\.configRecorder.*whole number of hours/s,
    );
    expect(() => parseConfig({ ...valid, checks: { freshnessHours: { githubAlerts: 1 } } })).toThrow(
      /checks\.freshnessHours/,
    );
  });

  it('the repository example file is valid', () => {
    expect(() => loadConfig(path.resolve('evidence.config.json'))).not.toThrow();
  });

  it('names the key path, the value received and what is expected', () => {
    const bad = { ...valid, locker: { retentionDays: 'two years' } };
    expect(() => parseConfig(bad, 'cfg.json')).toThrow(ConfigError);
    expect(() => parseConfig(bad, 'cfg.json')).toThrow(
      /locker\.retentionDays: got "two years", expected a whole number of days/,
    );
  });

  it('rejects an unknown region, naming it and its index', () => {
    const bad = { ...valid, aws: { regions: ['us-east-1', 'us-middle-9'] } };
    expect(() => parseConfig(bad)).toThrow(/aws\.regions\.1: got "us-middle-9", expected an AWS region code/);
  });

  it('rejects misspelt keys instead of ignoring them', () => {
    expect(() => parseConfig({ ...valid, lockr: {} })).toThrow(/lockr/);
  });

  it('rejects a malformed cron and a bad account id', () => {
    expect(() => parseConfig({ ...valid, schedule: { collect: 'cron(5 0 * *)' } })).toThrow(
      /schedule\.collect/,
    );
    expect(() =>
      parseConfig({ ...valid, aws: { regions: ['us-east-1'], accounts: [{ id: '12345' }] } }),
    ).toThrow(/aws\.accounts\.0\.id: got "12345", expected a 12-digit AWS account id/);
  });

  it('says how to fix a missing file and invalid JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cfg-'));
    expect(() => loadConfig(path.join(dir, 'none.json'))).toThrow(
      /cannot read the configuration file .*none\.json \(ENOENT\); create it/,
    );
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{ "locker": ');
    expect(() => loadConfig(broken)).toThrow(/broken\.json is not valid JSON/);
  });
});

describe('configuration refused before anything runs (issue 12)', () => {
  it('refuses duplicate keys instead of keeping the last one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'dup.json');
    await writeFile(
      file,
      '{"locker":{"retentionDays":730,"retentionDays":1},"auditPeriod":{"start":"2026-01-01"}}',
    );
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/"locker\.retentionDays" appears more than once/);
  });

  it.each(['Acme Corp', 'a/b', '../../x', 'https://github.com/acme', '-acme', 'acme--corp'])(
    'refuses github.org %j with what is expected',
    (org) => {
      expect(() => parseConfig({ ...valid, github: { org } })).toThrow(
        /github\.org: .*expected a GitHub organization login/,
      );
    },
  );

  it('says that a date in the right form does not exist', () => {
    expect(() => parseConfig({ ...valid, auditPeriod: { start: '2026-13-01' } })).toThrow(
      /auditPeriod\.start: got "2026-13-01", the date 2026-13-01 does not exist/,
    );
    expect(() => parseConfig({ ...valid, auditPeriod: { start: '2026/01/01' } })).toThrow(
      /auditPeriod\.start: got "2026\/01\/01", expected a date as YYYY-MM-DD/,
    );
  });

  it('never echoes a token pasted into the configuration', () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    let message = '';
    try {
      parseConfig({ ...valid, github: { org: token } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/github\.org: got a value that looks like a credential/);
    expect(message).not.toContain(token);
  });

  it('never echoes a credential under a key the schema does not know, at any depth: names the key only', async () => {
    const github = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const okta = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdEF';
    const aws = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const bad = {
      ...valid,
      github: { ...valid.github, pat: github },
      okta: { ...valid.okta, apiToken: okta },
      aws: { regions: ['us-east-1'], accounts: [{ id: '123456789012', secret: aws }] },
      extra: { nested: [{ token: github }] },
      locker: { retentionDays: { value: okta } },
    };
    const messages: string[] = [];
    try {
      parseConfig(bad, 'cfg.json');
    } catch (err) {
      messages.push((err as Error).message);
    }
    // The same through the file and through EVIDENCE_CONFIG_JSON, and a file that is not JSON.
    const dir = await mkdtemp(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'evidence.config.json');
    await writeFile(file, JSON.stringify(bad, null, 2));
    try {
      loadConfig(file);
    } catch (err) {
      messages.push((err as Error).message);
    }
    await writeFile(file, `{ "github": { "pat": ${github} } }`);
    try {
      loadConfig(file);
    } catch (err) {
      messages.push((err as Error).message);
    }
    expect(messages).toHaveLength(3);
    const [parsed, loaded, notJson] = messages as [string, string, string];
    for (const message of messages) {
      for (const secret of [github, okta, aws, github.slice(0, 8), okta.slice(0, 8)])
        expect(message).not.toContain(secret);
    }
    expect(parsed).toMatch(/github: unknown key "pat"/);
    expect(parsed).toMatch(/okta: unknown key "apiToken"/);
    expect(parsed).toMatch(/aws\.accounts\.0: unknown key "secret"/);
    expect(parsed).toMatch(/\(top level\): unknown key "extra"/);
    expect(parsed).toMatch(/locker\.retentionDays: got \{"value":"\(a credential, not shown\)"\}/);
    expect(loaded).toBe(parsed.replace('cfg.json', file));
    expect(notJson).toMatch(/is not valid JSON/);
  });
});
