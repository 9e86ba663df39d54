/**
 * Access review records on S3 (the emulator keeps the real write time): a campaign and a
 * "complete" close written now but claiming an earlier time, by someone holding the signing
 * key, are `backdated` and count for nothing; the same records written honestly stand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { type Config, parseConfig } from '../../shared/config.js';
import { dayOf } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { S3Locker } from '../../shared/locker/s3.js';
import {
  CAMPAIGN_SCHEMA,
  type Campaign,
  CLOSE_SCHEMA,
  type Close,
  reviewRecordKey,
} from '../../shared/review/records.js';
import { verify } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';

const TOOL = { name: 'evidence-locker', version: 'test' };

function records(id: string, at: Date): { campaign: Campaign; close: Close } {
  const campaign: Campaign = {
    schema: CAMPAIGN_SCHEMA,
    id,
    system: 'github',
    asOf: '2026-09-30',
    startedAt: at.toISOString(),
    removalSlaDays: 5,
    sources: [],
    population: [
      {
        account: 'ana-gh',
        kind: 'member',
        scope: 'github-acme',
        identities: ['ana-gh'],
        groups: [],
        manager: null,
        context: {},
      },
    ],
    assignments: [{ account: 'ana-gh', reviewer: 'ciso-gh', via: 'default' }],
    delegates: {},
    reviewersFile: null,
    command: 'evidence review start --system github --as-of 2026-09-30',
    tool: TOOL,
  };
  const close: Close = {
    schema: CLOSE_SCHEMA,
    campaign: id,
    closedAt: new Date(at.getTime() + 1000).toISOString(),
    complete: true,
    removalSlaDays: 5,
    accounts: [],
    refusedRecords: [],
    missing: [],
    summary: {
      population: 1,
      decided: 1,
      keep: 1,
      remove: 0,
      change: 0,
      undecided: 0,
      removedInTime: 0,
      removedLate: 0,
      notRemoved: 0,
      pending: 0,
    },
    decisionRecords: [],
    tool: TOOL,
  };
  return { campaign, close };
}

describe('access review records on S3', () => {
  let config: Config;
  beforeAll(() => {
    config = parseConfig(
      {
        locker: { retentionDays: 730 },
        github: { org: 'acme' },
        auditPeriod: { start: '2026-07-01' },
        reviews: { systems: ['github'], graceDays: 365 },
      },
      'test',
      COLLECTORS,
    );
  });

  it('a campaign and a complete close claiming 56 h ago are backdated and count for nothing; written when they claim, they stand', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const signer = await loadSigner();
    const write = async (id: string, at: Date) => {
      const { campaign, close } = records(id, at);
      const a = await writeSignedRecord(locker, {
        key: reviewRecordKey(id, 'campaign', at),
        value: campaign,
        at,
        retentionDays: 730,
        signer,
      });
      const closedAt = new Date(close.closedAt);
      const b = await writeSignedRecord(locker, {
        key: reviewRecordKey(id, 'close', closedAt),
        value: close,
        at: closedAt,
        retentionDays: 730,
        signer,
      });
      return [a.key, b.key];
    };
    const claimed = new Date(Date.now() - 56 * 3_600_000);
    const forged = await write('github-2026-09-30-0badc0de', claimed);
    const now = new Date();
    const honest = await write('github-2026-09-30-600dc0de', now);
    await seal(locker, { day: dayOf(claimed), clock: systemClock, retentionDays: 730 });
    if (dayOf(now) !== dayOf(claimed))
      await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730 });

    const result = await verify({
      locker,
      config,
      from: '2026-09-29',
      to: '2026-09-30',
      clock: systemClock,
      collectors: [],
    });
    const onForged = result.integrity.filter((p) => forged.includes(p.key)).map((p) => p.problem);
    expect(onForged).toEqual(['backdated', 'backdated']);
    expect(result.integrity.filter((p) => honest.includes(p.key))).toEqual([]);
    const ids = result.reviews!.campaigns.map((c) => [c.id, c.check.result]);
    expect(ids).toEqual([['github-2026-09-30-600dc0de', 'pass']]);
    expect(result.reviews!.periods.find((p) => p.period.id === '2026-Q3')).toMatchObject({
      system: 'github',
      status: 'complete',
    });
  });
});
