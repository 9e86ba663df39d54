/**
 * inspector-enabled over planted snapshots (the emulator's coverage is in
 * test/collectors/inspector.test.ts): the three resource types, each covered resource's scan
 * status and last scan at the bound, terminated resources set aside, an incomplete or missing
 * coverage, the failing items, and the sentence word for word. Written for the surviving mutants
 * of `npm run mutation` (docs/threat-model.md, "Mutation testing").
 */
import { describe, expect, it } from 'vitest';
import type {
  InspectorCoverage,
  InspectorCoveredResource,
  InspectorData,
} from '../../shared/collectors/inspector/collector.js';
import { inspectorEnabledCheck as check } from '../../shared/collectors/inspector/inspector-enabled.js';
import { parseConfig } from '../../shared/config.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const COLLECTED = '2026-05-20T00:05:00.000Z';
const ACCOUNT = '123456789012';
const WHERE = `account ${ACCOUNT} us-east-1`;
const config = parseConfig({
  locker: { retentionDays: 730 },
  aws: { regions: ['us-east-1'] },
  auditPeriod: { start: '2026-01-01' },
});
const hoursBefore = (h: number, ms = 0) => new Date(Date.parse(COLLECTED) - h * 3_600_000 - ms).toISOString();

const resource = (id: string, over: Partial<InspectorCoveredResource> = {}): InspectorCoveredResource => ({
  resourceId: id,
  resourceType: 'AWS_EC2_INSTANCE',
  scanType: 'PACKAGE',
  statusCode: 'ACTIVE',
  reason: 'SUCCESSFUL',
  lastScannedAt: hoursBefore(1),
  scanMode: 'EC2_SSM_AGENT_BASED',
  ...over,
});

function snapshot(
  coverage: InspectorCoverage | null | undefined,
  resources: Partial<Record<'ec2' | 'ecr' | 'lambda', string | null>> = {},
  status: string | null = 'ENABLED',
): Snapshot<InspectorData> {
  const data: InspectorData = {
    accountId: ACCOUNT,
    region: 'us-east-1',
    account: {
      status,
      resources: { ec2: 'ENABLED', ecr: 'ENABLED', lambda: 'ENABLED', lambdaCode: null, ...resources },
    },
    findings: [],
  };
  if (coverage !== undefined) data.coverage = coverage;
  return makeSnapshot({
    collector: 'inspector',
    scope: `aws-${ACCOUNT}-us-east-1`,
    collectedAt: COLLECTED,
    data,
  }) as Snapshot<InspectorData>;
}
const covered = (...resources: InspectorCoveredResource[]): InspectorCoverage => ({
  complete: true,
  error: null,
  resources,
});

describe('inspector-enabled', () => {
  it('all three types scanned, every resource scanned within the bound: pass, counted', () => {
    const s = snapshot(
      covered(
        resource('i-1', { lastScannedAt: hoursBefore(48) }),
        resource('img', { resourceType: 'AWS_ECR_CONTAINER_IMAGE' }),
        resource('fn', { resourceType: 'AWS_LAMBDA_FUNCTION' }),
        resource('repo', { resourceType: 'AWS_ECR_REPOSITORY', lastScannedAt: null }),
      ),
    );
    expect(check.run(s, config)).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: Inspector scans EC2, ECR and Lambda, and all 4 covered resource(s) are scanned within 48 h`,
    });
  });

  it.each(['AWS_EC2_INSTANCE', 'AWS_ECR_CONTAINER_IMAGE', 'AWS_LAMBDA_FUNCTION'])(
    'a %s last scanned a millisecond past the bound fails, named with its age',
    (resourceType) => {
      const s = snapshot(covered(resource('r-1', { resourceType, lastScannedAt: hoursBefore(48, 1) })));
      expect(check.run(s, config)).toEqual({
        result: 'fail',
        failing: ['inspector-scan:r-1'],
        detail: `${WHERE}: 1 coverage problem(s): r-1 (${resourceType}, PACKAGE) was last scanned at ${hoursBefore(48, 1)}, 48 h (2 days) before the collection (at most 48 h, checks.freshnessHours.inspectorScan): it is not that day's state`,
      });
    },
  );

  it('a resource type without a scan of its own is judged by its status only', () => {
    const old = resource('repo', { resourceType: 'AWS_ECR_REPOSITORY', lastScannedAt: hoursBefore(500) });
    expect(check.run(snapshot(covered(old)), config).result).toBe('pass');
    const inactive = { ...old, statusCode: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' };
    expect(check.run(snapshot(covered(inactive)), config)).toMatchObject({
      result: 'fail',
      failing: ['inspector-scan:repo'],
    });
  });

  it('a status other than ACTIVE (compared without case) fails, with its reason and last scan, or none', () => {
    expect(check.run(snapshot(covered(resource('i-1', { statusCode: 'active' }))), config).result).toBe(
      'pass',
    );
    const s = snapshot(
      covered(
        resource('i-1', {
          statusCode: 'INACTIVE',
          reason: 'UNMANAGED_EC2_INSTANCE',
          lastScannedAt: hoursBefore(3),
        }),
        resource('i-2', { statusCode: null, reason: null, lastScannedAt: null }),
      ),
    );
    expect(check.run(s, config)).toEqual({
      result: 'fail',
      failing: ['inspector-scan:i-1', 'inspector-scan:i-2'],
      detail: `${WHERE}: 2 coverage problem(s): i-1 (AWS_EC2_INSTANCE, PACKAGE) is not scanned: status INACTIVE (UNMANAGED_EC2_INSTANCE), last scanned ${hoursBefore(3)}, 3 h before the collection; i-2 (AWS_EC2_INSTANCE, PACKAGE) is not scanned: status none (no reason given), never scanned`,
    });
  });

  it('an ACTIVE resource never scanned fails, with its reason or "no reason given"', () => {
    const s = snapshot(
      covered(
        resource('i-1', { reason: 'PENDING_INITIAL_SCAN', lastScannedAt: null }),
        resource('i-2', { reason: null, lastScannedAt: null }),
      ),
    );
    expect(check.run(s, config).detail).toBe(
      `${WHERE}: 2 coverage problem(s): i-1 (AWS_EC2_INSTANCE, PACKAGE) has not been scanned yet (PENDING_INITIAL_SCAN), so its age is unknown (checks.freshnessHours.inspectorScan, 48 h); i-2 (AWS_EC2_INSTANCE, PACKAGE) has not been scanned yet (no reason given), so its age is unknown (checks.freshnessHours.inspectorScan, 48 h)`,
    );
  });

  it('terminated resources are set aside and counted (reason compared without case); the rest judged', () => {
    const gone = resource('i-old', {
      statusCode: 'INACTIVE',
      reason: 'resource_terminated',
      lastScannedAt: null,
    });
    expect(check.run(snapshot(covered(gone, resource('i-1'))), config)).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: Inspector scans EC2, ECR and Lambda, and all 1 covered resource(s) are scanned within 48 h; 1 terminated resource(s) not judged`,
    });
    const bad = resource('i-2', { statusCode: 'INACTIVE', reason: 'UNSUPPORTED_OS', lastScannedAt: null });
    expect(check.run(snapshot(covered(gone, bad)), config).detail).toBe(
      `${WHERE}: 1 coverage problem(s): i-2 (AWS_EC2_INSTANCE, PACKAGE) is not scanned: status INACTIVE (UNSUPPORTED_OS), never scanned; 1 terminated resource(s) not judged`,
    );
  });

  it('a type not scanned fails the region by type, whatever the coverage; each type named with its status', () => {
    const s = snapshot(covered(resource('i-1')), { ecr: 'DISABLED', lambda: null });
    expect(check.run(s, config)).toEqual({
      result: 'fail',
      failing: ['inspector-ecr:us-east-1', 'inspector-lambda:us-east-1'],
      detail: `${WHERE}: Inspector does not scan ECR DISABLED, Lambda never enabled`,
    });
    expect(check.run(snapshot(covered(), { ec2: 'enabled', ecr: 'Enabled' }), config).result).toBe('pass');
    // Not scanning a type and a resource not scanned: both, joined by "; ".
    const both = snapshot(covered(resource('i-1', { statusCode: 'INACTIVE' })), { ec2: 'SUSPENDED' });
    expect(check.run(both, config)).toEqual({
      result: 'fail',
      failing: ['inspector-ec2:us-east-1', 'inspector-scan:i-1'],
      detail: `${WHERE}: Inspector does not scan EC2 SUSPENDED; 1 coverage problem(s): i-1 (AWS_EC2_INSTANCE, PACKAGE) is not scanned: status INACTIVE (SUCCESSFUL), last scanned ${hoursBefore(1)}, 1 h before the collection`,
    });
  });

  it('coverage incomplete, absent or not read: fails the region, with the reason; a not-read coverage only when every type is on', () => {
    const partial = snapshot({ complete: false, error: 'page 3 failed', resources: [resource('i-1')] });
    expect(check.run(partial, config)).toEqual({
      result: 'fail',
      failing: ['inspector-coverage:us-east-1'],
      detail: `${WHERE}: 1 coverage problem(s): the coverage listing is incomplete (page 3 failed)`,
    });
    const noReason = snapshot({ complete: false, error: null, resources: [] });
    expect(check.run(noReason, config).detail).toBe(
      `${WHERE}: 1 coverage problem(s): the coverage listing is incomplete (no reason recorded)`,
    );
    expect(check.run(snapshot(undefined), config)).toEqual({
      result: 'fail',
      failing: ['inspector-coverage:us-east-1'],
      detail: `${WHERE}: 1 coverage problem(s): the snapshot holds no coverage (written before coverage was collected), so when each resource was last scanned is unknown`,
    });
    expect(check.run(snapshot(null, {}, 'DISABLED'), config)).toEqual({
      result: 'fail',
      failing: ['inspector-coverage:us-east-1'],
      detail: `${WHERE}: 1 coverage problem(s): no coverage was read (the account's Inspector status is DISABLED), so when each resource was last scanned is unknown`,
    });
    expect(check.run(snapshot(null, {}, null), config).detail).toBe(
      `${WHERE}: 1 coverage problem(s): no coverage was read (the account's Inspector status is none), so when each resource was last scanned is unknown`,
    );
    // A type off: the coverage not read is not a problem of its own.
    expect(check.run(snapshot(null, { lambda: 'DISABLED' }), config)).toEqual({
      result: 'fail',
      failing: ['inspector-lambda:us-east-1'],
      detail: `${WHERE}: Inspector does not scan Lambda DISABLED`,
    });
  });

  it('one failing item per coverage problem id; at most ten named in the sentence, the rest counted', () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      resource(`i-${i + 1}`, { statusCode: 'INACTIVE', lastScannedAt: null }),
    );
    const s = snapshot({ complete: false, error: 'throttled', resources: many });
    const outcome = check.run(s, config);
    expect(outcome.failing).toEqual([
      'inspector-coverage:us-east-1',
      ...many.map((r) => `inspector-scan:${r.resourceId}`),
    ]);
    expect(outcome.detail).toMatch(
      new RegExp(
        `^${WHERE}: 13 coverage problem\\(s\\): the coverage listing is incomplete \\(throttled\\); i-1 `,
      ),
    );
    expect(outcome.detail).toMatch(
      /; i-9 \(AWS_EC2_INSTANCE, PACKAGE\) is not scanned: status INACTIVE \(SUCCESSFUL\), never scanned; and 3 more$/,
    );
    const ten = check.run(snapshot(covered(...many.slice(0, 10))), config).detail;
    expect(ten).toMatch(
      /i-10 \(AWS_EC2_INSTANCE, PACKAGE\) is not scanned: status INACTIVE \(SUCCESSFUL\), never scanned$/,
    );
    // One instance covered for two scan types, neither scanned: two problems, one failing item.
    const twice = snapshot(
      covered(
        resource('i-1', { statusCode: 'INACTIVE', lastScannedAt: null }),
        resource('i-1', { scanType: 'NETWORK', statusCode: 'INACTIVE', lastScannedAt: null }),
      ),
    );
    expect(check.run(twice, config)).toMatchObject({
      failing: ['inspector-scan:i-1'],
      detail: expect.stringMatching(
        /: 2 coverage problem\(s\): i-1 \(AWS_EC2_INSTANCE, PACKAGE\).*; i-1 \(AWS_EC2_INSTANCE, NETWORK\)/,
      ),
    });
  });
});
