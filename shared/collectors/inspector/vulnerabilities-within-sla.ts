/**
 * vulnerabilities-within-sla (CC7.1), over Amazon Inspector: no ACTIVE finding has been open
 * (since its first observation) longer than `checks.vulnerabilitySlaDays` for its severity
 * at the snapshot's `collectedAt`. UNTRIAGED findings take the critical SLA (fail closed);
 * INFORMATIONAL ones are no vulnerability and only counted. The same check id judges
 * Dependabot alerts in the github-vulnerabilities snapshots.
 */

import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { describeAge, slaSeverity, slaVerdict } from '../../checks/vulnerability-sla.js';
import { inspector } from './declaration.js';

export const inspectorVulnerabilitiesCheck = defineCheck(inspector, {
  id: 'vulnerabilities-within-sla',
  title: 'Vulnerabilities remediated within SLA',
  procedure:
    "Open the snapshot of the account and region; for each finding of `data.findings` compare `firstObservedAt` with the snapshot's `collectedAt` against `checks.vulnerabilitySlaDays` for its severity (UNTRIAGED as critical; INFORMATIONAL not judged).",
  remediation:
    'Patch or replace each named resource (the finding names the package and fixed version), or suppress a finding that does not apply with a documented Inspector suppression rule.',
  description:
    'no open Inspector finding or Dependabot alert older than checks.vulnerabilitySlaDays for its severity (7/30/90/180 days by default)',
  reliance: {
    freshness:
      "No \"as of\" time of the list: Inspector answers its ACTIVE findings at `collectedAt`. A resource Inspector stopped scanning keeps its last findings: the same snapshot's coverage records each resource's last scan (`lastScannedAt`), and inspector-enabled fails every resource not scanned within `checks.freshnessHours.inspectorScan` (48 h) or whose scan status is not ACTIVE, so its findings are not relied on as today's.",
    doesNotTest:
      'Findings suppressed by a suppression rule or closed, and vulnerabilities Inspector does not detect.',
    limitations:
      "Age runs from the finding's first observation to the snapshot's `collectedAt`; UNTRIAGED findings take the critical SLA.",
  },
  run(snapshot, config) {
    const { accountId, region, account, findings } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const judged = findings.flatMap((f) => {
      const band = slaSeverity(f.severity);
      return band ? [{ f, v: slaVerdict(config, band, f.firstObservedAt, snapshot.collectedAt) }] : [];
    });
    const informational = findings.length - judged.length;
    const info = informational > 0 ? `; ${informational} informational finding(s) not judged` : '';
    if (judged.length === 0 && account.status?.toUpperCase() !== 'ENABLED')
      return notApplicable(
        `${where}: Inspector is not enabled (status ${account.status ?? 'none'}), so there is no finding to judge${info}; inspector-enabled fails the region`,
      );
    const overdue = judged.filter((j) => j.v.overdue);
    if (overdue.length > 0)
      return fail(
        `${where}: ${overdue.length} of ${judged.length} open finding(s) past their SLA: ${overdue
          .map(
            ({ f, v }) =>
              `${f.vulnerabilityId ?? f.title ?? f.arn} on ${f.resourceId ?? 'an unnamed resource'} (${f.severity}, ${describeAge(v)})`,
          )
          .join('; ')}${info}`,
        overdue.map(({ f }) => f.arn),
      );
    if (judged.length === 0) return pass(`${where}: no open Inspector finding${info}`);
    return pass(`${where}: all ${judged.length} open finding(s) within their SLA${info}`);
  },
});
