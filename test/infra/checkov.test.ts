/**
 * Checkov suppressions: on the resource they excuse, each with its reason (no global skip
 * list), and an excuse that matches nothing is an error. scripts/checkov.sh runs Checkov itself
 * (CI); here the contract: where skips go, and the comparison that fails on an unused one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { auditCheckovSkips, checkovSkips, withoutCheckovSkips } from '../../infra/checkov.js';
import { REPO_ROOT } from '../../infra/constructs/evidence-function.js';
import type { ConfigInput } from '../../shared/config.js';
import { BASE_CONFIG, synthApp } from './synth.js';

const organization = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/deploy/organization.config.json'), 'utf8'),
) as ConfigInput;

function templates(config: ConfigInput) {
  const { evidence, member } = synthApp(config, { nag: false });
  return {
    evidence: Template.fromStack(evidence).toJSON(),
    member: member && Template.fromStack(member).toJSON(),
  };
}

describe('Checkov skips', () => {
  it('there is no global skip list: checkov.sh skips nothing by id, and the old suppressions file is gone', () => {
    const script = readFileSync(path.join(REPO_ROOT, 'scripts/checkov.sh'), 'utf8');
    expect(script).not.toMatch(/--skip-check/);
    expect(script).toMatch(/scripts\/checkov-audit\.ts/);
    expect(existsSync(path.join(REPO_ROOT, 'scripts/checkov-suppressions.yaml'))).toBe(false);
  });

  it.each([
    ['the default test configuration', BASE_CONFIG],
    ['an organization', organization],
  ] as const)('each skip is on one resource of the kind it excuses, with its reason: %s', (_, config) => {
    const { evidence } = templates(config);
    const skips = checkovSkips(evidence);
    expect(skips.size).toBeGreaterThan(0);
    const typeOf = (logicalId: string) => evidence.Resources[logicalId].Type as string;
    // The check ids Checkov applies to each kind (a skip on another kind could only be unused).
    const kinds: Record<string, string> = {
      CKV_AWS_18: 'AWS::S3::Bucket',
      CKV_AWS_26: 'AWS::SNS::Topic',
      CKV_AWS_27: 'AWS::SQS::Queue',
      CKV_AWS_115: 'AWS::Lambda::Function',
      CKV_AWS_117: 'AWS::Lambda::Function',
      CKV_AWS_173: 'AWS::Lambda::Function',
      CKV_AWS_158: 'AWS::Logs::LogGroup',
    };
    for (const [key, comment] of skips) {
      const [logicalId, id] = key.split(' ') as [string, string];
      expect(kinds[id], `${key}: a check this test does not know`).toBeDefined();
      expect(typeOf(logicalId), key).toBe(kinds[id]);
      expect(comment.length, `${key} has a reason`).toBeGreaterThan(40);
    }
    // Only the access-log bucket is excused from logging; the locker itself is not.
    const buckets = [...skips.keys()].filter((k) => k.endsWith(' CKV_AWS_18'));
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatch(/^AccessLogs/);
    // Seal has reserved concurrency: it is not excused from CKV_AWS_115.
    const seal = Object.keys(evidence.Resources).find(
      (k) => evidence.Resources[k].Type === 'AWS::Lambda::Function' && k.startsWith('Seal'),
    )!;
    expect(skips.has(`${seal} CKV_AWS_115`)).toBe(false);
    expect(skips.has(`${seal} CKV_AWS_117`)).toBe(true);
    // The template without its skips has none left (what the audit runs Checkov on).
    expect(checkovSkips(withoutCheckovSkips(evidence)).size).toBe(0);
    expect(checkovSkips(evidence).size).toBe(skips.size);
  });

  it('the audit fails a skip that excuses nothing, a finding without a skip, and a skip without a reason', () => {
    const declared = new Map([
      ['t.json AccessLogs1 CKV_AWS_18', 'It is the server access log bucket of the locker.'],
      ['t.json Locker2 CKV_AWS_18', 'a skip left behind after logging was turned on'],
      ['t.json Topic3 CKV_AWS_26', 'todo'],
    ]);
    const findings = [
      't.json AccessLogs1 CKV_AWS_18',
      't.json Topic3 CKV_AWS_26',
      't.json Queue4 CKV_AWS_27',
    ];
    expect(auditCheckovSkips(declared, findings)).toEqual({
      unused: ['t.json Locker2 CKV_AWS_18'],
      unexcused: ['t.json Queue4 CKV_AWS_27'],
      unexplained: ['t.json Topic3 CKV_AWS_26'],
    });
    expect(auditCheckovSkips(new Map([...declared].slice(0, 1)), findings.slice(0, 1))).toEqual({
      unused: [],
      unexcused: [],
      unexplained: [],
    });
  });
});
