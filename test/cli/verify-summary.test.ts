/**
 * The text report at organization size: above 50 series it sums the series per collector and
 * account, worst first (the JSON report stays complete).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../../shared/cli/commands/verify.js';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { addDays } from '../../shared/evidence/days.js';
import { verify } from '../../shared/verify/verify.js';
import { sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 10 }, (_, i) => String(200_000_000_000 + i));
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-02';

describe('verify text report at organization size', () => {
  it('sums per collector and account, worst first, instead of a row per series', async () => {
    const locker = await sealedAwsLocker({
      dir: await mkdtemp(path.join(tmpdir(), 'verify-summary-')),
      from: FROM,
      to: TO,
      accounts: ACCOUNTS,
      regions: REGIONS,
    });
    const result = await verify({
      locker,
      config: parseConfig({
        locker: { retentionDays: 730 },
        aws: { regions: REGIONS, accounts: ACCOUNTS.slice(1).map((id) => ({ id })) },
        auditPeriod: { start: FROM },
      }),
      from: FROM,
      to: TO,
      clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
      collectors: COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id)),
      callerAccount: async () => ACCOUNTS[0]!,
    });
    expect(result.series).toHaveLength(60);
    expect(result.ok).toBe(true);
    // One account's GuardDuty missing both days in both regions (as a failed collection would be).
    const worst = `aws-${ACCOUNTS[7]}`;
    for (const s of result.series.filter(
      (x) => x.collector === 'guardduty' && x.scope.startsWith(`${worst}-`),
    )) {
      s.missing = [FROM, TO];
      s.presentDays = 0;
    }
    const text = render(result);
    expect(text).toContain('60 series, by collector and account, worst first:');
    const rows = text.split('\n').filter((l) => /^\S+\s+aws-\d{12}\s/.test(l));
    expect(rows).toHaveLength(4 * 10);
    expect(rows[0]).toMatch(new RegExp(`^guardduty\\s+${worst}\\s+2\\s+4\\s+0\\s+4\\s+0\\s+0`));
    // No per-series table at this size.
    expect(text).not.toContain('expected from');
    // Integrity rows are capped in text at 200, saying how many more the JSON holds.
    for (let i = 0; i < 250; i++)
      result.integrity.push({
        problem: 'not-sealed',
        key: `snapshots/${FROM}/iam/x/${i}.json`,
        detail: 'test',
      });
    const capped = render(result);
    expect(capped.split('\n').filter((l) => l.startsWith('not-sealed'))).toHaveLength(200);
    expect(capped).toContain('... and 50 more integrity problem(s): the JSON report');
  });
});
