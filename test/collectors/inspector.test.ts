import { EnableCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { awsClientOptions } from '../../shared/aws/clients.js';
import { fixedClock } from '../../shared/clock.js';
import { inspectorCollector } from '../../shared/collectors/inspector/collector.js';
import { inspectorEnabledCheck } from '../../shared/collectors/inspector/inspector-enabled.js';
import { inspectorVulnerabilitiesCheck } from '../../shared/collectors/inspector/vulnerabilities-within-sla.js';
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
    expect(stats.requests).toBe(2);
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
});
