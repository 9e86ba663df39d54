/** Synth-time configuration errors: clear messages naming the key, the value and the fix. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStackConfig, planCollectors } from '../../infra/config.js';
import { parseConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { BASE_CONFIG, synthApp } from './synth.js';

const dir = mkdtempSync(path.join(tmpdir(), 'evidence-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(data: unknown): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

describe('synth configuration', () => {
  it('fails on an unknown region, naming the key and the value', () => {
    const file = writeConfig({ ...BASE_CONFIG, aws: { regions: ['us-east-1', 'moon-west-1'] } });
    expect(() => loadStackConfig(file)).toThrow(ConfigError);
    expect(() => loadStackConfig(file)).toThrow(
      /aws\.regions\.1: got "moon-west-1", expected an AWS region code/,
    );
  });

  it('fails on a malformed cron, naming the schedule', () => {
    const file = writeConfig({ ...BASE_CONFIG, schedule: { collect: 'cron(5 0 * *)' } });
    expect(() => loadStackConfig(file)).toThrow(
      /schedule\.collect: got "cron\(5 0 \* \*\)", expected an EventBridge cron/,
    );
    const rate = writeConfig({ ...BASE_CONFIG, schedule: { seal: 'rate(1 day)' } });
    expect(() => loadStackConfig(rate)).toThrow(/schedule\.seal/);
  });

  it('fails when a configured source has no registered collector, naming the source', () => {
    const config = parseConfig(BASE_CONFIG);
    const onlyAws = [{ id: 'guardduty', source: 'aws' as const, description: 'GuardDuty' }];
    expect(() => planCollectors(config, { collectors: onlyAws })).toThrow(
      /"okta" section and a "github" section but no collector for these sources is registered/,
    );
  });

  it('fails when an AWS collector has no IAM read actions', () => {
    const config = parseConfig({ ...BASE_CONFIG, okta: undefined, github: undefined });
    const collectors = [{ id: 'newthing', source: 'aws' as const, description: 'x' }];
    expect(() => planCollectors(config, { collectors, readActions: {} })).toThrow(
      /AWS collector "newthing" has no IAM read actions/,
    );
  });

  it('deploys only the configured sources', () => {
    const { evidence, member } = synthApp(
      { locker: { retentionDays: 30 }, github: { org: 'example' }, auditPeriod: { start: '2026-01-01' } },
      { verify: false, nag: false },
    );
    expect([...evidence.collectorFunctions.keys()]).toEqual(['github', 'github-members']);
    expect(member).toBeUndefined();
  });

  it('a configuration larger than a Lambda environment reaches the functions as a file', () => {
    const groups = Array.from({ length: 400 }, (_, i) => `privileged-group-number-${i}`);
    const { evidence } = synthApp(
      { ...BASE_CONFIG, okta: { orgUrl: 'https://example.okta.com', privilegedGroups: groups } },
      { nag: false, verify: false },
    );
    const file = JSON.parse(readFileSync(evidence.configFile, 'utf8'));
    expect(file.okta.privilegedGroups).toEqual(groups);
    expect(readFileSync(evidence.configFile).length).toBeGreaterThan(4096);
  });
});
