/** The runner hands a collector the newest earlier ok/partial snapshot of its series (ctx.previous). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import type { PreviousSnapshot, RunnableCollector } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { testIdentity } from '../helpers/identity.js';

const config = parseConfig({
  locker: { retentionDays: 730 },
  okta: { orgUrl: 'https://example.okta.com' },
  auditPeriod: { start: '2026-01-01' },
});

describe('ctx.previous', () => {
  it('finds the newest earlier ok or partial snapshot of the same series, skipping error snapshots, within 8 days', async () => {
    const locker = new DirectoryLocker(path.join(await mkdtemp(path.join(tmpdir(), 'previous-')), 'locker'));
    const seen: (PreviousSnapshot | undefined)[] = [];
    const outcomes: ('ok' | 'throw')[] = ['ok', 'throw', 'ok'];
    let run = 0;
    const collector: RunnableCollector = {
      id: 'fake-carry',
      source: 'okta',
      identify: testIdentity,
      controls: ['CC6.1'],
      description: 'carries state over',
      scopes: () => [{ id: 'okta-example.okta.com' }],
      async collect(_scope, ctx) {
        seen.push(await ctx.previous?.());
        const i = run++;
        if (outcomes[i] === 'throw') throw new Error('source down');
        return { data: { run: i }, items: 1 };
      },
    };
    for (const day of ['2026-04-01', '2026-04-02', '2026-04-03'])
      await runCollectors({
        config,
        locker,
        collectors: [collector],
        clock: fixedClock(`${day}T00:05:00.000Z`),
      });
    // Far later: nothing within 8 days.
    await runCollectors({
      config,
      locker,
      collectors: [collector],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
    });

    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toMatchObject({ collectedAt: '2026-04-01T00:05:00.000Z', data: { run: 0 } });
    // Day 2 wrote an error snapshot: day 3 gets day 1's.
    expect(seen[2]).toMatchObject({ collectedAt: '2026-04-01T00:05:00.000Z', data: { run: 0 } });
    expect(seen[2]!.key).toMatch(/^snapshots\/2026-04-01\/fake-carry\/okta-example\.okta\.com\//);
    expect(seen[3]).toBeUndefined();
  });
});
