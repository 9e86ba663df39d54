/**
 * vulnerabilities-within-sla over Amazon Inspector on planted snapshots (pure; the emulator's
 * findings are in test/collectors/inspector.test.ts): findings are judged whatever the account
 * status says, an enabled region without findings passes, a region Inspector is not on for is
 * not applicable only when it holds no finding to judge, and each sentence word for word.
 * Written for the surviving mutants of `npm run mutation` (docs/threat-model.md, "Mutation testing").
 */
import { describe, expect, it } from 'vitest';
import type { InspectorData, InspectorFinding } from '../../shared/collectors/inspector/collector.js';
import { inspectorVulnerabilitiesCheck } from '../../shared/collectors/inspector/vulnerabilities-within-sla.js';
import { parseConfig } from '../../shared/config.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const COLLECTED = '2026-05-20T00:05:00.000Z';
const ACCOUNT = '123456789012';
const config = parseConfig({
  locker: { retentionDays: 730 },
  aws: { regions: ['us-east-1'] },
  auditPeriod: { start: '2026-01-01' },
});

function finding(
  id: string,
  severity: string,
  firstObservedAt: string | null,
  over: Partial<InspectorFinding> = {},
) {
  return {
    arn: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/${id}`,
    severity,
    firstObservedAt,
    lastObservedAt: COLLECTED,
    type: 'PACKAGE_VULNERABILITY',
    title: `${id} - openssl`,
    resourceId: 'i-0abc',
    resourceType: 'AWS_EC2_INSTANCE',
    vulnerabilityId: id,
    fixAvailable: 'YES',
    inspectorScore: 9.8,
    ...over,
  } satisfies InspectorFinding;
}

function snapshot(findings: InspectorFinding[], status: string | null = 'ENABLED'): Snapshot<InspectorData> {
  return makeSnapshot({
    collector: 'inspector',
    scope: `aws-${ACCOUNT}-us-east-1`,
    collectedAt: COLLECTED,
    data: {
      accountId: ACCOUNT,
      region: 'us-east-1',
      account: { status, resources: { ec2: status, ecr: status, lambda: status, lambdaCode: status } },
      findings,
      coverage: null,
    },
  }) as Snapshot<InspectorData>;
}

const OLD = '2026-05-01T00:00:00.000Z'; // 19 days before: past the critical SLA (7 days)
const NEW = '2026-05-19T00:05:00.000Z'; // 1 day before

describe('vulnerabilities-within-sla over Inspector', () => {
  it('an overdue finding fails even when the account status does not say ENABLED', () => {
    for (const status of ['ENABLED', 'DISABLED', 'SUSPENDING', null]) {
      const out = inspectorVulnerabilitiesCheck.run(
        snapshot([finding('CVE-2026-1', 'CRITICAL', OLD)], status),
        config,
      );
      expect(out.result, String(status)).toBe('fail');
      expect(out.failing).toEqual([`arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/CVE-2026-1`]);
    }
  });

  it('findings within their SLA pass in a region whose status is not ENABLED: they are judged', () => {
    const out = inspectorVulnerabilitiesCheck.run(
      snapshot([finding('CVE-2026-2', 'HIGH', NEW)], 'DISABLED'),
      config,
    );
    expect(out.result).toBe('pass');
    expect(out.detail).toBe(`account ${ACCOUNT} us-east-1: all 1 open finding(s) within their SLA`);
  });

  it('an enabled region without findings passes (status in any case); one Inspector is not on for is not applicable', () => {
    for (const status of ['ENABLED', 'enabled']) {
      const out = inspectorVulnerabilitiesCheck.run(snapshot([], status), config);
      expect(out.result, status).toBe('pass');
      expect(out.detail).toBe(`account ${ACCOUNT} us-east-1: no open Inspector finding`);
    }
    const off = inspectorVulnerabilitiesCheck.run(
      snapshot([finding('info', 'INFORMATIONAL', OLD)], null),
      config,
    );
    expect(off.result).toBe('not-applicable');
    expect(off.detail).toBe(
      `account ${ACCOUNT} us-east-1: Inspector is not enabled (status none), so there is no finding to judge; 1 informational finding(s) not judged; inspector-enabled fails the region`,
    );
    expect(inspectorVulnerabilitiesCheck.run(snapshot([], 'DISABLED'), config).detail).toBe(
      `account ${ACCOUNT} us-east-1: Inspector is not enabled (status DISABLED), so there is no finding to judge; inspector-enabled fails the region`,
    );
  });

  it('names each overdue finding by vulnerability, else title, else ARN, and its resource; counts the informational ones', () => {
    const out = inspectorVulnerabilitiesCheck.run(
      snapshot([
        finding('CVE-2026-3', 'CRITICAL', OLD),
        finding('CVE-2026-4', 'UNTRIAGED', OLD, { vulnerabilityId: null, resourceId: null }),
        finding('CVE-2026-5', 'HIGH', null, { vulnerabilityId: null, title: null }),
        finding('CVE-2026-6', 'LOW', NEW),
        finding('CVE-2026-7', 'INFORMATIONAL', OLD),
      ]),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toHaveLength(3);
    expect(out.detail).toBe(
      `account ${ACCOUNT} us-east-1: 3 of 4 open finding(s) past their SLA: CVE-2026-3 on i-0abc (CRITICAL, 19.0 days open, critical SLA 7 days); CVE-2026-4 - openssl on an unnamed resource (UNTRIAGED, 19.0 days open, critical SLA 7 days); arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/CVE-2026-5 on i-0abc (HIGH, open since an unknown time, high SLA 30 days); 1 informational finding(s) not judged`,
    );
  });
});
