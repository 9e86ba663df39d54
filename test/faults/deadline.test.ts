/**
 * The runner knows its deadline (issue 12): a scope still collecting when it comes is written
 * as an error snapshot that says so (a recorded failure, not a missing day), and the others
 * are not held up.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../shared/clock.js';
import {
  DeadlineError,
  raceDeadline,
  realDeadlineTimer,
  runCollectors,
} from '../../shared/collectors/runner.js';
import type { RunnableCollector } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { manualDeadline } from '../helpers/deadline.js';
import { testIdentity } from '../helpers/identity.js';

const config = parseConfig({
  locker: { retentionDays: 730 },
  okta: { orgUrl: 'https://example.okta.com' },
  github: { org: 'example' },
  auditPeriod: { start: '2026-01-01' },
});

const hanging: RunnableCollector = {
  id: 'fake-hanging',
  source: 'okta',
  identify: testIdentity,
  controls: ['CC6.2'],
  description: 'never answers',
  scopes: () => [{ id: 'okta-example.okta.com' }],
  collect: () => new Promise(() => undefined),
};

const quick: RunnableCollector = {
  id: 'fake-quick',
  source: 'github',
  identify: testIdentity,
  controls: ['CC8.1'],
  description: 'answers at once',
  scopes: () => [{ id: 'github-example' }],
  collect: async () => ({ data: { repos: 1 }, items: 1 }),
};

describe('runner deadline', () => {
  it('a scope still running at the deadline becomes an error snapshot; the others are written', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'deadline-')));
    // The deadline comes (the test fires it) once the quick collector's snapshot is written.
    const deadline = manualDeadline();
    const summary = await runCollectors({
      config,
      locker,
      collectors: [hanging, quick],
      clock: systemClock,
      deadline: new Date(Date.now() + 60_000),
      deadlineTimer: deadline.timer,
      onResult: (result) => {
        if (result.collector === 'fake-quick') deadline.fire();
      },
    });
    expect(summary.results.map((r) => `${r.collector} ${r.status}`)).toEqual([
      'fake-hanging error',
      'fake-quick ok',
    ]);
    const { snapshot } = await readSnapshot(locker, summary.results[0]!.key);
    expect(snapshot.status).toBe('error');
    expect(snapshot.errors[0]).toMatch(
      /^DeadlineError: the run's deadline .* came before collecting fake-hanging\/okta-example\.okta\.com finished/,
    );
  });
});

describe('raceDeadline', () => {
  const clock = fixedClock('2026-11-24T00:05:00Z');
  const never = () => new Promise<never>(() => undefined);

  it('a deadline already past on the clock is the error at once, on the real timer path and without asking a timer', async () => {
    const past = new Date('2026-11-24T00:04:59.999Z');
    await expect(raceDeadline(never(), past, clock, 'the work')).rejects.toThrow(
      new DeadlineError("the run's deadline (2026-11-24T00:04:59.999Z) came before the work finished"),
    );
    const unasked = () => {
      throw new Error('the timer was asked for a deadline already past');
    };
    await expect(raceDeadline(never(), clock.now(), clock, 'the work', unasked)).rejects.toBeInstanceOf(
      DeadlineError,
    );
  });

  it('the real timer fires for a deadline that is due; cancelled, it never fires', async () => {
    const timer = realDeadlineTimer(clock);
    await new Promise<void>((resolve) => timer(new Date('2026-11-24T00:04:00Z'), resolve));
    let fired = false;
    timer(new Date('2026-11-24T00:04:00Z'), () => {
      fired = true;
    })();
    await new Promise<void>((resolve) => timer(new Date('2026-11-24T00:04:00Z'), resolve));
    expect(fired).toBe(false);
  });

  it('work that finishes first is the answer and cancels its wait; work still running when the deadline comes is the error', async () => {
    const future = new Date('2026-11-24T00:06:00Z');
    const deadline = manualDeadline();
    await expect(raceDeadline(Promise.resolve(7), future, clock, 'quick work', deadline.timer)).resolves.toBe(
      7,
    );
    expect(deadline.pending()).toBe(0);
    const slow = raceDeadline(never(), future, clock, 'slow work', deadline.timer);
    expect(deadline.pending()).toBe(1);
    deadline.fire();
    await expect(slow).rejects.toThrow(/came before slow work finished/);
    expect(deadline.deadlines).toEqual([future, future]);
  });
});
