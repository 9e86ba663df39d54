/** Small fake collectors and a locker filler for the verifier tests (independent of the real collectors). */

import type { OrganizationAccount } from '../../shared/aws/organization.js';
import { fixedClock } from '../../shared/clock.js';
import type { AnyRunnableCollector, RunnableCollector, Scope } from '../../shared/collectors/types.js';
import { type Config, type ConfigInput, parseConfig } from '../../shared/config.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import type { Locker } from '../../shared/locker/types.js';
import { type PartsOptions, verifyInParts } from '../../shared/verify/parts.js';
import type { DayState, ProblemKind, VerifyResult } from '../../shared/verify/types.js';
import { verify } from '../../shared/verify/verify.js';
import { testIdentity } from '../helpers/identity.js';
import { makeSnapshot } from '../helpers/snapshots.js';

export function fakeCollector(
  id: string,
  scopes: (config: Config, env: { defaultAccountId?: string }) => string[],
  options: { source?: 'aws' | 'okta' | 'github'; controls?: string[] } = {},
): AnyRunnableCollector {
  const collector: RunnableCollector<Scope, unknown> = {
    id,
    source: options.source ?? 'github',
    identify: testIdentity,
    controls: options.controls ?? ['CC8.1'],
    description: `fake ${id}`,
    scopePattern: `${id}-<scope>`,
    scopes: (config, env) => scopes(config, env).map((s) => ({ id: s })),
    collect: async () => ({ data: {}, items: 0 }),
  };
  return collector;
}

/** Two fake collectors, three series: fake-a/org-acme (CC8.1), fake-b/x-1 and fake-b/x-2 (CC7.2). */
export const FAKES: readonly AnyRunnableCollector[] = [
  fakeCollector('fake-a', () => ['org-acme']),
  fakeCollector('fake-b', () => ['x-1', 'x-2'], { controls: ['CC7.2'] }),
];

export const SERIES = [
  ['fake-a', 'org-acme'],
  ['fake-b', 'x-1'],
  ['fake-b', 'x-2'],
] as const;

export function testConfig(extra: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    locker: { retentionDays: 730 },
    github: { org: 'acme' },
    auditPeriod: { start: '2026-04-01' },
    ...extra,
  });
}

export interface Plan {
  /** Return undefined to write nothing for this series and day; a partial snapshot to override fields. */
  snapshot?: (collector: string, scope: string, day: string) => Partial<Snapshot> | undefined;
  /** Seal each day the next morning (default true). */
  seal?: boolean;
  /**
   * When each day is sealed (default: the next day at 03:00). Seals must happen in time order
   * (each digest chains to the latest one), so a second fill over the same days seals later.
   */
  sealAt?: (day: string, index: number) => string;
  series?: readonly (readonly [string, string])[];
  /** The digest form sealed (default: seal's). */
  form?: 2 | 3;
}

/** Fill a locker day by day: one snapshot per series at 00:05, sealed the next day at 03:00. */
export async function fill(
  locker: Locker,
  from: string,
  to: string,
  plan: Plan = {},
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const [index, day] of daysBetween(from, to).entries()) {
    for (const [collector, scope] of plan.series ?? SERIES) {
      const override = plan.snapshot ? plan.snapshot(collector, scope, day) : {};
      if (override === undefined) continue;
      const snapshot = makeSnapshot({
        collector,
        scope,
        collectedAt: `${day}T00:05:00.000Z`,
        runId: `run-${day}`,
        ...override,
      });
      const written = await writeSnapshot(locker, snapshot, 730);
      keys.set(`${collector}/${scope}@${day}`, written.key);
    }
    if (plan.seal !== false) {
      await seal(locker, {
        day,
        clock: fixedClock(plan.sealAt ? plan.sealAt(day, index) : `${addDays(day, 1)}T03:00:00.000Z`),
        retentionDays: 730,
        ...(plan.form && { form: plan.form }),
      });
    }
  }
  return keys;
}

/**
 * How the soundness cases run: as one verification, and in parts of at most 10 snapshots of
 * the window (the three series of SERIES are three account shards: a part each over 10 days),
 * where the chain of roots is walked once for every part.
 */
export const VERIFY_MODES = [
  ['one verification', 0],
  ['in parts', 10],
] as const;

/** verify, or verifyInParts with `perPart` snapshots a part (0: one verification); in parts it must run several. */
export async function verifyAs(perPart: number, options: PartsOptions): Promise<VerifyResult> {
  if (!perPart) return verify(options);
  let parts = 0;
  const result = await verifyInParts({
    ...options,
    snapshotsPerPart: perPart,
    onPart: (e) => {
      if (e.done) parts++;
    },
  });
  if (parts < 2) throw new Error(`verifyAs: expected several parts, ${parts} ran`);
  return result;
}

/**
 * The body of a signed retirement of fake-b/x-2 from 2026-04-08, written 2026-04-11T09:00Z: what
 * `evidence retire` writes under `retirements/fake-b/x-2/20260411T090000000Z.json`.
 */
export const RETIREMENT_BODY = {
  schema: 'evidence.retirement/1',
  collector: 'fake-b',
  scope: 'x-2',
  from: '2026-04-08',
  reason: 'region closed',
  by: 'Mallory',
  retiredAt: '2026-04-11T09:00:00.000Z',
  tool: { name: 'evidence-locker', version: 'test' },
} as const;

/**
 * Each problem that stops a snapshot from counting for its day (shared/verify/series.ts), and the
 * day state it gives when no other snapshot of the day counts; every other problem is reported on
 * its own and leaves the snapshot counting.
 */
export const DISQUALIFYING_STATES: readonly (readonly [ProblemKind, DayState])[] = [
  ['misfiled', 'misfiled'],
  ['late', 'late'],
  ['backdated', 'late'],
  ['hash-mismatch', 'unusable'],
  ['deleted', 'unusable'],
  ['corrupt', 'unusable'],
  ['not-sealed', 'unusable'],
  ['unsigned', 'unusable'],
  ['bad-signature', 'unusable'],
  ['untrusted-key', 'unusable'],
];

/**
 * An active account of an organization inventory: in scope under the root, or out of scope in
 * the excluded OU (`excludeOus`).
 */
export function orgAccount(
  id: string,
  inScope = true,
  extra: Partial<OrganizationAccount> = {},
): OrganizationAccount {
  return {
    id,
    name: `acct-${id.slice(0, 3)}`,
    status: 'ACTIVE',
    joinedMethod: 'CREATED',
    joinedAt: '2025-01-01T00:00:00.000Z',
    parentId: inScope ? 'r-ab12' : 'ou-ex01-aaaaaaaa',
    ouPath: inScope ? ['r-ab12'] : ['r-ab12', 'ou-ex01-aaaaaaaa'],
    ouNames: inScope ? 'Root' : 'Root/Excluded',
    inScope,
    ...(!inScope && { excludedBy: 'excludeOus' as const }),
    ...extra,
  };
}
