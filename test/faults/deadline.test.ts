/**
 * The runner knows its deadline (issue 12): a scope still collecting when it comes is written
 * as an error snapshot that says so (a recorded failure, not a missing day), and the others
 * are not held up.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import type { RunnableCollector } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
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
    const summary = await runCollectors({
      config,
      locker,
      collectors: [hanging, quick],
      clock: systemClock,
      deadline: new Date(Date.now() + 300),
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
