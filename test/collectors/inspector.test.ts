import { EnableCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { awsClientOptions } from '../../shared/aws/clients.js';
import { fixedClock } from '../../shared/clock.js';
import { inspectorCollector } from '../../shared/collectors/inspector/collector.js';
import { inspectorEnabledCheck } from '../../shared/collectors/inspector/inspector-enabled.js';
import { inspectorVulnerabilitiesCheck } from '../../shared/collectors/inspector/vulnerabilities-within-sla.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1'] });
const DAY = 86_400_000;
/** First observation of the findings (whole seconds: the API's epoch-seconds timestamps). */
const FIRST = Date.parse('2026-05-01T12:00:00.000Z');

function scope(region: string): AwsRegionalScope {
  return { id: `aws-${testAccountId()}-${region}`, accountId: testAccountId(), region };
}

function finding(id: string, severity: string, firstObservedAt: number, resource: string) {
  return {
    findingArn: `arn:aws:inspector2:us-east-1:${testAccountId()}:finding/${id}`,
    awsAccountId: testAccountId(),
    type: 'PACKAGE_VULNERABILITY',
    description: `${id} in a package`,
    title: `${id} - openssl`,
    severity,
    status: 'ACTIVE',
    firstObservedAt: firstObservedAt / 1000,
    lastObservedAt: (firstObservedAt + DAY) / 1000,
    resources: [{ id: resource, type: 'AWS_EC2_INSTANCE', region: 'us-east-1' }],
    packageVulnerabilityDetails: { vulnerabilityId: id, source: 'NVD', vulnerablePackages: [] },
    fixAvailable: 'YES',
    inspectorScore: severity === 'CRITICAL' ? 9.8 : 5.0,
  };
}

/**
 * moto answers ListFindings from a queue filled through its own API (each new query takes the
 * next result): the findings the emulator's Inspector "observed".
 */
async function queueFindings(results: unknown[][]): Promise<void> {
  const res = await fetch(`${inject('awsEndpoint')}/moto-api/static/inspector2/findings-results`, {
    method: 'POST',
    body: JSON.stringify({ results, account_id: testAccountId(), region: 'us-east-1' }),
  });
  expect(res.status).toBe(201);
}

const HOUR = 3_600_000;

interface Planted {
  id: string;
  type?: string;
  /** Epoch milliseconds of the last scan; absent: never scanned. */
  scannedAt?: number;
  statusCode?: string;
  reason?: string;
}

/** A CoveredResource as ListCoverage answers it (API reference), `lastScannedAt` in epoch seconds. */
function covered(p: Planted) {
  return {
    resourceType: p.type ?? 'AWS_EC2_INSTANCE',
    resourceId: p.id,
    accountId: testAccountId(),
    scanType: 'PACKAGE',
    scanStatus: { statusCode: p.statusCode ?? 'ACTIVE', reason: p.reason ?? 'SUCCESSFUL' },
    ...(p.scannedAt !== undefined && { lastScannedAt: p.scannedAt / 1000 }),
    scanMode: p.type === undefined || p.type === 'AWS_EC2_INSTANCE' ? 'EC2_SSM_AGENT_BASED' : undefined,
  };
}

/**
 * moto has no ListCoverage; the emulator's launcher (scripts/moto-server.py) answers it from the
 * coverage planted here (replacing the region's), and fails the request for `failPage` when set.
 */
async function plantCoverage(resources: Planted[], failPage?: number): Promise<void> {
  const res = await fetch(`${inject('awsEndpoint')}/moto-api/static/inspector2/coverage`, {
    method: 'POST',
    body: JSON.stringify({
      account_id: testAccountId(),
      region: 'us-east-1',
      resources: resources.map(covered),
      ...(failPage !== undefined && { fail_page: failPage }),
    }),
  });
  expect(res.status).toBe(201);
}

/** Lambda scanning on too, so that only coverage decides inspector-enabled. */
async function enableLambda(): Promise<void> {
  const client = new Inspector2Client(awsClientOptions('us-east-1'));
  await client.send(new EnableCommand({ accountIds: [testAccountId()], resourceTypes: ['LAMBDA'] }));
  client.destroy();
}

function instances(n: number, scannedAt: number): Planted[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `i-0a1b2c3d4e${String(i).padStart(7, '0')}`,
    scannedAt,
  }));
}

describe('inspector collector (emulator)', () => {
  beforeAll(async () => {
    const client = new Inspector2Client(awsClientOptions('us-east-1'));
    await client.send(new EnableCommand({ accountIds: [testAccountId()], resourceTypes: ['EC2', 'ECR'] }));
    client.destroy();
    await queueFindings([
      [
        finding('CVE-2026-0001', 'CRITICAL', FIRST, 'i-0a1b2c3d4e5f60001'),
        finding('CVE-2026-0002', 'MEDIUM', FIRST - 20 * DAY, 'i-0a1b2c3d4e5f60002'),
        finding('CVE-2026-0003', 'INFORMATIONAL', FIRST - 400 * DAY, 'i-0a1b2c3d4e5f60003'),
      ],
    ]);
  });

  it('records the scan status per resource type and every ACTIVE finding; Lambda not scanned fails', async () => {
    await plantCoverage([]);
    const { result, snapshot, stats } = await collectOnce(inspectorCollector, scope('us-east-1'), { config });
    expect(result.data.account).toEqual({
      status: 'ENABLED',
      resources: { ec2: 'ENABLED', ecr: 'ENABLED', lambda: 'DISABLED', lambdaCode: 'DISABLED' },
    });
    expect(
      result.data.findings.map((f) => [f.vulnerabilityId, f.severity, f.resourceId, f.firstObservedAt]),
    ).toEqual([
      ['CVE-2026-0001', 'CRITICAL', 'i-0a1b2c3d4e5f60001', new Date(FIRST).toISOString()],
      ['CVE-2026-0002', 'MEDIUM', 'i-0a1b2c3d4e5f60002', new Date(FIRST - 20 * DAY).toISOString()],
      ['CVE-2026-0003', 'INFORMATIONAL', 'i-0a1b2c3d4e5f60003', new Date(FIRST - 400 * DAY).toISOString()],
    ]);
    expect(result.data.coverage).toEqual({ complete: true, error: null, resources: [] });
    expect(stats.requests).toBe(3);
    expect(inspectorEnabledCheck.run(snapshot, config)).toEqual({
      result: 'fail',
      detail: `account ${testAccountId()} us-east-1: Inspector does not scan Lambda DISABLED`,
      failing: ['inspector-lambda:us-east-1'],
    });
  });

  it('a critical finding exactly 7 days old is within its SLA; one millisecond later it is named', async () => {
    const at = (ms: number) => fixedClock(new Date(FIRST + ms));
    const within = await collectOnce(inspectorCollector, scope('us-east-1'), { config, clock: at(7 * DAY) });
    const ok = inspectorVulnerabilitiesCheck.run(within.snapshot, config);
    expect(ok.result).toBe('pass');
    expect(ok.detail).toContain(
      'all 2 open finding(s) within their SLA; 1 informational finding(s) not judged',
    );

    const late = await collectOnce(inspectorCollector, scope('us-east-1'), {
      config,
      clock: at(7 * DAY + 1),
    });
    const outcome = inspectorVulnerabilitiesCheck.run(late.snapshot, config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual([
      `arn:aws:inspector2:us-east-1:${testAccountId()}:finding/CVE-2026-0001`,
    ]);
    expect(outcome.detail).toContain(
      'CVE-2026-0001 on i-0a1b2c3d4e5f60001 (CRITICAL, 7.0 days open, critical SLA 7 days)',
    );
    // The medium one (27 days open) is within 90; a stricter configuration names it too.
    const strict = awsTestConfig(
      { regions: ['us-east-1'] },
      { checks: { vulnerabilitySlaDays: { medium: 20 } } },
    );
    expect(inspectorVulnerabilitiesCheck.run(late.snapshot, strict).failing).toHaveLength(2);
  });

  it('a region Inspector never saw: inspector-enabled fails, the SLA check is not applicable, in words', async () => {
    const { result, snapshot } = await collectOnce(inspectorCollector, scope('eu-west-1'), { config });
    expect(result.data.account).toEqual({
      status: null,
      resources: { ec2: null, ecr: null, lambda: null, lambdaCode: null },
    });
    expect(result.data.findings).toEqual([]);
    // Inspector covers nothing there: coverage is not asked for (null), and the region fails as off.
    expect(result.data.coverage).toBeNull();
    const enabled = inspectorEnabledCheck.run(snapshot, config);
    expect(enabled.failing).toEqual([
      'inspector-ec2:eu-west-1',
      'inspector-ecr:eu-west-1',
      'inspector-lambda:eu-west-1',
    ]);
    expect(enabled.detail).toContain('EC2 never enabled');
    const sla = inspectorVulnerabilitiesCheck.run(snapshot, config);
    expect(sla.result).toBe('not-applicable');
    expect(sla.detail).toMatch(/Inspector is not enabled \(status none\), so there is no finding to judge/);
  });

  describe('coverage: when Inspector last scanned each resource (checks.freshnessHours.inspectorScan, 48 h)', () => {
    const NOW = FIRST + 30 * DAY;
    const clock = (ms = NOW) => fixedClock(new Date(ms));
    const lambda = 'arn:aws:lambda:us-east-1:000000000000:function:billing';
    const image = `arn:aws:ecr:us-east-1:000000000000:repository/web/sha256:${'a'.repeat(64)}`;

    it('a stale, a never-scanned and an INACTIVE resource fail, named with their ages; a fresh one passes; the snapshot is complete', async () => {
      await plantCoverage([
        { id: 'i-0fresh000000000001', scannedAt: NOW - 2 * HOUR },
        { id: 'i-0stale000000000002', scannedAt: NOW - 5 * DAY },
        { id: image, type: 'AWS_ECR_CONTAINER_IMAGE', scannedAt: NOW - 72 * HOUR },
        { id: lambda, type: 'AWS_LAMBDA_FUNCTION', reason: 'PENDING_INITIAL_SCAN' },
        {
          id: 'i-0unmanaged00000003',
          statusCode: 'INACTIVE',
          reason: 'UNMANAGED_EC2_INSTANCE',
          scannedAt: NOW - HOUR,
        },
        {
          id: 'i-0gone0000000000004',
          statusCode: 'INACTIVE',
          reason: 'RESOURCE_TERMINATED',
          scannedAt: NOW - 9 * DAY,
        },
        // A repository carries no scan of its own: its status is judged, not its age.
        { id: 'arn:aws:ecr:us-east-1:000000000000:repository/web', type: 'AWS_ECR_REPOSITORY' },
      ]);
      const { result, snapshot } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      // Stale resources are the entity's state, read completely: not a partial collection.
      expect(snapshot.status).toBe('ok');
      expect(result.data.coverage?.complete).toBe(true);
      expect(result.data.coverage?.resources.find((r) => r.resourceId === 'i-0stale000000000002')).toEqual({
        resourceId: 'i-0stale000000000002',
        resourceType: 'AWS_EC2_INSTANCE',
        scanType: 'PACKAGE',
        statusCode: 'ACTIVE',
        reason: 'SUCCESSFUL',
        lastScannedAt: new Date(NOW - 5 * DAY).toISOString(),
        scanMode: 'EC2_SSM_AGENT_BASED',
      });
      const outcome = inspectorEnabledCheck.run(snapshot, config);
      expect(outcome.result).toBe('fail');
      expect(outcome.failing).toEqual([
        'inspector-lambda:us-east-1',
        'inspector-scan:i-0stale000000000002',
        `inspector-scan:${image}`,
        `inspector-scan:${lambda}`,
        'inspector-scan:i-0unmanaged00000003',
      ]);
      expect(outcome.detail).toContain(
        `i-0stale000000000002 (AWS_EC2_INSTANCE, PACKAGE) was last scanned at ${new Date(NOW - 5 * DAY).toISOString()}, 120 h (5 days) before the collection (at most 48 h, checks.freshnessHours.inspectorScan)`,
      );
      expect(outcome.detail).toContain('(AWS_ECR_CONTAINER_IMAGE, PACKAGE) was last scanned at');
      expect(outcome.detail).toContain('72 h (3 days) before the collection');
      expect(outcome.detail).toContain(
        `${lambda} (AWS_LAMBDA_FUNCTION, PACKAGE) has not been scanned yet (PENDING_INITIAL_SCAN), so its age is unknown`,
      );
      expect(outcome.detail).toContain(
        'i-0unmanaged00000003 (AWS_EC2_INSTANCE, PACKAGE) is not scanned: status INACTIVE (UNMANAGED_EC2_INSTANCE), last scanned',
      );
      expect(outcome.detail).toContain('1 terminated resource(s) not judged');
      expect(outcome.detail).not.toContain('i-0fresh');
    });

    it('exactly 48 h after the last scan passes; one millisecond later the resource is named', async () => {
      const scanned = NOW - 10 * DAY;
      await plantCoverage([{ id: 'i-0edge0000000000001', scannedAt: scanned }]);
      const all = awsTestConfig({ regions: ['us-east-1'] });
      await enableLambda();
      const at = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config: all,
        clock: clock(scanned + 48 * HOUR),
      });
      expect(inspectorEnabledCheck.run(at.snapshot, all)).toEqual({
        result: 'pass',
        detail: `account ${testAccountId()} us-east-1: Inspector scans EC2, ECR and Lambda, and all 1 covered resource(s) are scanned within 48 h`,
        failing: [],
      });
      const over = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config: all,
        clock: clock(scanned + 48 * HOUR + 1),
      });
      const late = inspectorEnabledCheck.run(over.snapshot, all);
      expect(late.result).toBe('fail');
      expect(late.failing).toEqual(['inspector-scan:i-0edge0000000000001']);
      expect(late.detail).toContain('48 h (2 days) before the collection (at most 48 h');
      // The bound is the configuration's: 72 h lets the same snapshot pass.
      const lenient = awsTestConfig(
        { regions: ['us-east-1'] },
        { checks: { freshnessHours: { inspectorScan: 72 } } },
      );
      expect(inspectorEnabledCheck.run(over.snapshot, lenient).result).toBe('pass');
    });

    it('pages through ListCoverage 200 at a time, every resource recorded', async () => {
      await plantCoverage(instances(450, NOW - HOUR));
      const { result, snapshot, stats } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      expect(result.data.coverage?.resources).toHaveLength(450);
      expect(new Set(result.data.coverage?.resources.map((r) => r.resourceId)).size).toBe(450);
      expect(result.data.coverage?.complete).toBe(true);
      // BatchGetAccountStatus, ListFindings, and three pages of ListCoverage.
      expect(stats.requests).toBe(5);
      expect(snapshot.status).toBe('ok');
    });

    it('a page that fails part way: the snapshot is partial, naming it, and the check fails the region, never a pass', async () => {
      await plantCoverage(instances(450, NOW - HOUR), 2);
      const { result, snapshot } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      expect(snapshot.status).toBe('partial');
      expect(snapshot.errors).toEqual([
        'inspector2:ListCoverage in us-east-1 failed after 1 page(s) (200 resource(s) read): ValidationException: The nextToken has expired; start the listing again; the coverage of the resources past them is unknown',
      ]);
      expect(result.data.coverage?.complete).toBe(false);
      expect(result.data.coverage?.resources).toHaveLength(200);
      // The findings were read whole.
      expect(result.data.findings).toHaveLength(3);
      await enableLambda();
      const outcome = inspectorEnabledCheck.run(snapshot, config);
      expect(outcome.result).toBe('fail');
      expect(outcome.failing).toContain('inspector-coverage:us-east-1');
      expect(outcome.detail).toContain(
        'the coverage listing is incomplete (inspector2:ListCoverage in us-east-1 failed after 1 page(s)',
      );
    });

    it('a snapshot without coverage (written before it was collected) fails the region: unknown, never a pass', async () => {
      await plantCoverage([]);
      await enableLambda();
      const { snapshot } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      expect(inspectorEnabledCheck.run(snapshot, config).result).toBe('pass');
      const { coverage: _, ...older } = snapshot.data;
      const outcome = inspectorEnabledCheck.run(
        { ...snapshot, data: older } as Snapshot<typeof older>,
        config,
      );
      expect(outcome).toEqual({
        result: 'fail',
        detail: `account ${testAccountId()} us-east-1: 1 coverage problem(s): the snapshot holds no coverage (written before coverage was collected), so when each resource was last scanned is unknown`,
        failing: ['inspector-coverage:us-east-1'],
      });
    });

    it('no coverage read although every type is scanned (an account status of DISABLED) fails the region', async () => {
      await plantCoverage([]);
      await enableLambda();
      const { snapshot } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      const contradiction = {
        ...snapshot,
        data: { ...snapshot.data, account: { ...snapshot.data.account, status: 'DISABLED' }, coverage: null },
      };
      expect(inspectorEnabledCheck.run(contradiction, config)).toEqual({
        result: 'fail',
        detail: `account ${testAccountId()} us-east-1: 1 coverage problem(s): no coverage was read (the account's Inspector status is DISABLED), so when each resource was last scanned is unknown`,
        failing: ['inspector-coverage:us-east-1'],
      });
    });

    it('names at most ten resources in the sentence; every one is in the failing list', async () => {
      await plantCoverage(instances(12, NOW - 3 * DAY));
      await enableLambda();
      const { snapshot } = await collectOnce(inspectorCollector, scope('us-east-1'), {
        config,
        clock: clock(),
      });
      const outcome = inspectorEnabledCheck.run(snapshot, config);
      expect(outcome.failing).toHaveLength(12);
      expect(outcome.detail).toContain('12 coverage problem(s)');
      expect(outcome.detail).toMatch(/; and 2 more$/);
    });
  });
});
