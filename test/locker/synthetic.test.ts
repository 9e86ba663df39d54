/**
 * The synthetic locker (test/helpers/synthetic-locker.ts) behaves as a locker: generated
 * snapshots list in key order with what is written, cannot be overwritten, and a window of
 * them seals and verifies clean with the real AWS collectors' series.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { AlreadyExistsError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { listAll } from '../../shared/locker/types.js';
import { verify } from '../../shared/verify/verify.js';
import { awsSeries, SyntheticLocker } from '../helpers/synthetic-locker.js';

const OWN = '111111111111';
const LISTED = ['222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-03';

async function synthetic() {
  const dir = await mkdtemp(path.join(tmpdir(), 'synthetic-locker-'));
  return new SyntheticLocker({
    dir,
    from: FROM,
    to: TO,
    retentionDays: 730,
    series: awsSeries([OWN, ...LISTED], REGIONS, {
      regional: ['guardduty', 'aws-config'],
      account: ['iam', 'cloudtrail'],
    }),
  });
}

describe('synthetic locker', () => {
  it('generates one locked snapshot per series and day, listed in key order, never overwritten', async () => {
    const locker = await synthetic();
    const keys = (await listAll(locker, 'snapshots/')).map((o) => o.key);
    expect(keys).toHaveLength(3 * 3 * (2 * 2 + 2));
    expect([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(keys);
    expect(await listAll(locker, `snapshots/${TO}/iam/`)).toHaveLength(3);
    const { body, info } = await locker.get(keys[0]!);
    expect(info).toMatchObject({ lockMode: 'COMPLIANCE', sha256: sha256Hex(body), size: body.byteLength });
    await expect(
      locker.put(keys[0]!, Buffer.from('{}'), { retainUntil: new Date('2028-01-01T00:00:00Z') }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it('a window of AWS series seals and verifies clean', async () => {
    const locker = await synthetic();
    for (const day of daysBetween(FROM, TO))
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
    const result = await verify({
      locker,
      config: parseConfig({
        locker: { retentionDays: 730 },
        aws: { regions: REGIONS, accounts: LISTED.map((id) => ({ id })) },
        auditPeriod: { start: FROM },
      }),
      from: FROM,
      to: TO,
      clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
      collectors: COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id)),
      callerAccount: async () => OWN,
    });
    expect(result.integrity).toEqual([]);
    expect(result.series).toHaveLength(18);
    expect(result.ok).toBe(true);
  });
});
