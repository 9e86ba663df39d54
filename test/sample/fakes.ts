/**
 * Small fake collector and check for the sampler's tests, injected as parameters so the tests
 * do not depend on the real checks (written elsewhere) and pin the sampler's own behaviour.
 */
import { type AnyCheck, fail, pass } from '../../shared/checks/types.js';
import { fixedClock } from '../../shared/clock.js';
import type { AnyRunnableCollector } from '../../shared/collectors/types.js';
import { type Config, parseConfig } from '../../shared/config.js';
import { addDays } from '../../shared/evidence/days.js';
import type { Signer } from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import type { ListedObject, Locker } from '../../shared/locker/types.js';
import type { PopulationRunRecord } from '../../shared/sample/record.js';
import { acknowledge } from '../../shared/verify/acknowledgements.js';
import { testIdentity } from '../helpers/identity.js';
import { makeSnapshot } from '../helpers/snapshots.js';

export interface FakeData {
  repos: { name: string; protected: boolean }[];
}

/** A collector over GitHub orgs: one scope per configured org, named github-<org>. */
export const fakeCollector: AnyRunnableCollector = {
  id: 'fakerepos',
  source: 'github',
  identify: testIdentity,
  controls: ['CC8.1'],
  description: 'fake: repositories and whether their default branch is protected',
  scopePattern: 'github-<org>',
  scopes: (config: Config) => (config.github ? [{ id: `github-${config.github.org}` }] : []),
  collect: async () => ({ data: { repos: [] }, items: 0 }),
};

export const fakeCheck: AnyCheck = {
  id: 'fake-protected',
  controls: ['CC8.1'],
  collector: 'fakerepos',
  title: 'Fake protected',
  description: 'every repository protects its default branch',
  procedure: 'Look at each repository.',
  remediation: 'Protect it.',
  run(snapshot) {
    const data = snapshot.data as FakeData;
    const bad = data.repos.filter((r) => !r.protected).map((r) => r.name);
    return bad.length
      ? fail(`${bad.length} repository(ies) without branch protection: ${bad.join(', ')}`, bad)
      : pass(`all ${data.repos.length} repositories protect their default branch`);
  },
};

export const fakeConfig: Config = parseConfig({
  locker: { retentionDays: 730 },
  github: { org: 'acme' },
  auditPeriod: { start: '2026-01-01' },
});

/** Write one fake snapshot of `scope` collected at `collectedAt`. */
export async function writeFake(
  locker: Locker,
  scope: string,
  collectedAt: string,
  repos: FakeData['repos'] = [{ name: 'api', protected: true }],
  overrides: { status?: 'ok' | 'partial' | 'error'; errors?: string[]; runId?: string } = {},
) {
  return writeSnapshot(
    locker,
    makeSnapshot({
      collector: 'fakerepos',
      scope,
      collectedAt,
      controls: ['CC8.1'],
      data: overrides.status === 'error' ? null : { repos },
      ...overrides,
    }),
    730,
  );
}

/** A locker whose listings come back in a random order (the sampler must not care). */
export function shuffledLocker(inner: Locker): Locker {
  return {
    get url() {
      return inner.url;
    },
    kind: inner.kind,
    worm: inner.worm,
    stats: inner.stats,
    check: () => inner.check(),
    put: (k, b, o) => inner.put(k, b, o),
    get: (k) => inner.get(k),
    getSigned: (k) => inner.getSigned(k),
    head: (k) => inner.head(k),
    async *list(prefix: string) {
      const all: ListedObject[] = [];
      for await (const item of inner.list(prefix)) all.push(item);
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      yield* all;
    },
  };
}

/** A population sample-run record that drew nothing (size 0), as `sample --population changes --seed <seed>` writes it. */
export function emptyPopulationRun(
  store: string,
  seed: string,
  window: { from: string; to: string } = { from: '2026-02-01', to: '2026-02-03' },
): PopulationRunRecord {
  return {
    schema: 'evidence.population-sample-run/1',
    ranAt: '2026-02-05T00:00:00.000Z',
    from: window.from,
    to: window.to,
    seed,
    seedChosenBy: 'given',
    population: 'changes',
    collector: 'github-changes',
    subject: 'population changes',
    size: 0,
    sizeRule: '--size 1',
    populationSize: 0,
    command: `npx evidence sample --population changes --seed ${seed}`,
    configSha256: '0'.repeat(64),
    store,
    summary: { total: 0, pass: 0, fail: 0, missing: 0 },
    samples: [],
    earlier: [],
    tool: { name: 'evidence-locker', version: 'test' },
  };
}

/** Jane Doe acknowledges the fake series' missed `day` at 09:00 the next morning, signed. */
export function acknowledgeMissedDay(locker: Locker, day: string, reason: string, signer: Signer) {
  return acknowledge(
    locker,
    { series: 'fakerepos/github-acme', day, reason, by: 'Jane Doe' },
    {
      clock: fixedClock(`${addDays(day, 1)}T09:00:00.000Z`),
      retentionDays: 730,
      knownSeries: async () => undefined,
      signer,
    },
  );
}

/**
 * What `vi.mock` puts in place of the check and collector registries (shared/checks/registry.ts,
 * shared/collectors/registry.ts) for a test of the CLI: fakeCheck and fakeCollector only.
 */
export function fakeCheckRegistry() {
  const CHECKS = [fakeCheck];
  return {
    CHECKS,
    findCheck: (id: string) => CHECKS.find((c) => c.id === id),
    findChecks: (id: string) => CHECKS.filter((c) => c.id === id),
    checksForControl: (control: string) => CHECKS.filter((c) => c.controls.includes(control)),
  };
}

export function fakeCollectorRegistry() {
  return {
    COLLECTORS: [fakeCollector],
    findCollector: (id: string) => (id === fakeCollector.id ? fakeCollector : undefined),
  };
}
