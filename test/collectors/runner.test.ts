import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { runCollectors, selectCollectors } from '../../shared/collectors/runner.js';
import type { RunnableCollector } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { createStreamLogger } from '../../shared/log.js';
import { forgetSecrets, registerSecret } from '../../shared/secrets.js';
import { testIdentity } from '../helpers/identity.js';

const config = parseConfig({
  locker: { retentionDays: 730 },
  aws: { regions: ['us-east-1', 'eu-west-1'] },
  okta: { orgUrl: 'https://example.okta.com' },
  auditPeriod: { start: '2026-01-01' },
});

const regional: RunnableCollector<{ id: string; region: string }> = {
  id: 'fake-regional',
  source: 'aws',
  identify: testIdentity,
  controls: ['CC7.2'],
  description: 'fake',
  scopes: (cfg, env) =>
    (cfg.aws?.regions ?? []).map((region) => ({ id: `aws-${env.defaultAccountId}-${region}`, region })),
  async collect(scope, ctx) {
    ctx.stats.requests += 2;
    ctx.stats.pages += 1;
    if (scope.region === 'eu-west-1')
      throw new Error('AccessDenied: not allowed in eu-west-1 with key s3cr3t-token-value');
    return { data: { region: scope.region, enabled: true }, items: 1 };
  },
};

const okta: RunnableCollector = {
  id: 'fake-okta',
  source: 'okta',
  identify: testIdentity,
  controls: ['CC6.2'],
  description: 'fake',
  scopes: () => [{ id: 'okta-example.okta.com' }],
  async collect() {
    throw new SourceUnavailableError('Okta refused the API token (401): set OKTA_API_TOKEN');
  },
};

const partial: RunnableCollector = {
  id: 'fake-partial',
  source: 'aws',
  identify: testIdentity,
  controls: ['CC6.1'],
  description: 'fake',
  scopes: (_cfg, env) => [{ id: `aws-${env.defaultAccountId}` }],
  async collect() {
    return { data: { users: 3 }, items: 3, status: 'partial', errors: ['page 2 of users failed'] };
  },
};

const unconfigured: RunnableCollector = { ...partial, id: 'fake-github', source: 'github' };

describe('collector runner', () => {
  it('gives each scope its own failure boundary and records failures as error snapshots', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'runner-')));
    registerSecret('s3cr3t-token-value');
    let logged = '';
    const summary = await runCollectors({
      config,
      locker,
      collectors: [regional, okta, partial, unconfigured],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: createStreamLogger({ level: 'debug', write: (l) => (logged += l) }),
      scopeEnvironment: async () => ({ defaultAccountId: '123456789012' }),
      runId: 'testrun00001',
    });
    forgetSecrets();
    const byScope = Object.fromEntries(summary.results.map((r) => [`${r.collector}/${r.scope}`, r]));
    expect(Object.keys(byScope).sort()).toEqual([
      'fake-okta/okta-example.okta.com',
      'fake-partial/aws-123456789012',
      'fake-regional/aws-123456789012-eu-west-1',
      'fake-regional/aws-123456789012-us-east-1',
    ]);
    expect(byScope['fake-regional/aws-123456789012-us-east-1']).toMatchObject({
      status: 'ok',
      requests: 2,
      items: 1,
    });
    expect(byScope['fake-regional/aws-123456789012-eu-west-1']).toMatchObject({ status: 'error' });
    expect(byScope['fake-okta/okta-example.okta.com']).toMatchObject({
      status: 'error',
      sourceUnavailable: true,
    });
    expect(byScope['fake-partial/aws-123456789012']).toMatchObject({
      status: 'partial',
      error: 'page 2 of users failed',
    });

    const failed = await readSnapshot(locker, byScope['fake-regional/aws-123456789012-eu-west-1']!.key);
    expect(failed.snapshot).toMatchObject({
      status: 'error',
      day: '2026-04-20',
      runId: 'testrun00001',
      data: null,
    });
    expect(failed.snapshot.errors[0]).toMatch(/AccessDenied: not allowed in eu-west-1/);
    expect(failed.snapshot.errors[0]).not.toContain('s3cr3t-token-value');
    expect(failed.snapshot.errors[0]).toContain('[REDACTED]');
    expect(logged).toContain('collection failed');
    expect(logged).not.toContain('s3cr3t-token-value');
  });

  it('a collector whose scopes cannot be resolved writes nothing it cannot attribute, and says why', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runner-'));
    const locker = new DirectoryLocker(dir);
    const summary = await runCollectors({
      config,
      locker,
      collectors: [regional],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      scopeEnvironment: async () => {
        throw new SourceUnavailableError('no AWS credentials');
      },
    });
    expect(summary.results).toEqual([]);
    expect(summary.skipped).toEqual([
      { source: 'aws', collectors: ['fake-regional'], reason: 'no AWS credentials', sourceUnavailable: true },
    ]);
    expect(await readdir(dir, { recursive: true })).toEqual([]);
  });

  it('selects configured collectors, and explains --only mistakes', () => {
    const all = [regional, okta, partial, unconfigured];
    expect(selectCollectors(config, undefined, all).map((c) => c.id)).toEqual([
      'fake-regional',
      'fake-okta',
      'fake-partial',
    ]);
    expect(selectCollectors(config, ['fake-okta'], all).map((c) => c.id)).toEqual(['fake-okta']);
    expect(() => selectCollectors(config, ['nope'], all)).toThrow(
      /unknown collector nope in --only; known collectors: fake-regional/,
    );
    expect(() => selectCollectors(config, ['fake-github'], all)).toThrow(/no "github" section/);
  });
});

describe('credentials in the environment', () => {
  it('are scrubbed from snapshots even when set after start-up', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'runner-')));
    const previous = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = 'ghp_lateSetTokenValue0123456789';
    try {
      const leaky: RunnableCollector = {
        ...okta,
        id: 'fake-leaky',
        async collect() {
          throw new Error(`bad credentials: ghp_lateSetTokenValue0123456789`);
        },
      };
      const { results } = await runCollectors({
        config,
        locker,
        collectors: [leaky],
        clock: fixedClock('2026-04-20T00:05:00Z'),
      });
      const { snapshot } = await readSnapshot(locker, results[0]!.key);
      expect(snapshot.errors[0]).toBe('Error: bad credentials: [REDACTED]');
    } finally {
      forgetSecrets();
      if (previous === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = previous;
    }
  });
});

describe('a partial collection that read nothing', () => {
  it('is written as error, never as an empty partial day, whichever collector returns it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runner-empty-'));
    const empty: RunnableCollector = {
      ...partial,
      id: 'fake-empty',
      async collect() {
        return {
          data: { users: [] },
          items: 0,
          status: 'partial',
          errors: ['the first page answered an HTML page'],
        };
      },
    };
    const summary = await runCollectors({
      config,
      locker: new DirectoryLocker(dir),
      collectors: [empty, partial],
      clock: fixedClock('2026-04-20T00:05:00Z'),
      scopeEnvironment: async () => ({ defaultAccountId: '123456789012' }),
    });
    const byId = Object.fromEntries(summary.results.map((r) => [r.collector, r]));
    expect(byId['fake-empty']!.status).toBe('error');
    expect(byId['fake-empty']!.error).toMatch(/read no item.*the first page answered an HTML page/);
    // A partial that read something stays partial, with what it lacks named.
    expect(byId['fake-partial']!.status).toBe('partial');
  });
});
