/**
 * vulnerabilities-within-sla (CC7.1), over Dependabot: no open alert of a repository that is
 * not archived has been open (since GitHub created it) longer than `checks.vulnerabilitySlaDays`
 * for its severity at the snapshot's `collectedAt`; no alert closed in the snapshot's window was
 * dismissed as "tolerable risk" without a comment saying why. Not judged is not passed: a
 * repository with Dependabot alerts off (or whose switch GitHub did not show) and a list not
 * read to the end are failing items too. The same check id judges Inspector findings in the
 * inspector snapshots.
 */

import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { describeAge, slaSeverity, slaVerdict } from '../../checks/vulnerability-sla.js';
import { githubVulnerabilities } from './declaration.js';

export const dependabotVulnerabilitiesCheck = defineCheck(githubVulnerabilities, {
  id: 'vulnerabilities-within-sla',
  title: 'Vulnerabilities remediated within SLA',
  procedure:
    "Open the snapshot of the org; for each alert of `data.openAlerts` compare `createdAt` with the snapshot's `collectedAt` against `checks.vulnerabilitySlaDays` for its severity (moderate as medium, unknown as critical); confirm no alert of `data.closed.alerts` has `dismissedReason` `tolerable_risk` without a `dismissedComment`, every entry of `data.repositories` has `alertsEnabled` true, and `repositoriesComplete`, `openComplete` and `closed.complete` are true.",
  remediation:
    'Upgrade the named package to the patched version (merge the Dependabot pull request) or dismiss the alert with the reason and a comment an auditor can follow; switch Dependabot alerts on for each named repository (Settings > Code security); collect with credentials that can read every repository’s alerts.',
  description:
    'no open Inspector finding or Dependabot alert older than checks.vulnerabilitySlaDays for its severity (7/30/90/180 days by default)',
  reliance: {
    freshness:
      'No "as of" time of the list: GitHub answers the open Dependabot alerts at `collectedAt` (an alert\'s `updated_at` dates the alert, not the list). When Dependabot last scanned a repository is not recorded.',
    doesNotTest:
      'Vulnerabilities Dependabot does not detect (code scanning, secret scanning, dependencies outside supported manifests), and whether an upgrade was actually deployed.',
    limitations:
      "The repositories are those the credentials can see; a repository with alerts off, or whose switch GitHub did not show, fails rather than passes. Age runs from the alert's creation to the snapshot's `collectedAt`.",
  },
  run(snapshot, config) {
    const { data } = snapshot;
    const problems: string[] = [];
    const failing: string[] = [];

    const judged = data.openAlerts.map((a) => ({
      a,
      v: slaVerdict(config, slaSeverity(a.severity) ?? 'critical', a.createdAt, snapshot.collectedAt),
    }));
    const overdue = judged.filter((j) => j.v.overdue);
    if (overdue.length) {
      problems.push(
        `${overdue.length} of ${judged.length} open Dependabot alert(s) past their SLA: ${overdue
          .map(
            ({ a, v }) =>
              `${a.repository}#${a.number} ${a.package} ${a.advisoryId} (${a.severity}, ${describeAge(v)})`,
          )
          .join('; ')}`,
      );
      failing.push(...overdue.map(({ a }) => `dependabot:${a.repository}#${a.number}`));
    }

    const silent = data.closed.alerts.filter(
      (a) => a.state === 'dismissed' && a.dismissedReason === 'tolerable_risk' && !a.dismissedComment?.trim(),
    );
    if (silent.length) {
      problems.push(
        `${silent.length} alert(s) dismissed as tolerable risk without a comment: ${silent
          .map(
            (a) =>
              `${a.repository}#${a.number} ${a.package} ${a.advisoryId} by ${a.dismissedBy ?? 'an unknown user'} at ${a.dismissedAt ?? 'an unknown time'}`,
          )
          .join('; ')}`,
      );
      failing.push(...silent.map((a) => `dependabot:${a.repository}#${a.number}:dismissed-without-comment`));
    }

    const off = data.repositories.filter((r) => r.alertsEnabled === false).map((r) => r.repository);
    const unknown = data.repositories.filter((r) => r.alertsEnabled === null).map((r) => r.repository);
    if (off.length) {
      problems.push(
        `${off.length} repository(ies) with Dependabot alerts off, so not judged: ${off.join(', ')}`,
      );
      failing.push(...off.map((r) => `dependabot-off:${r}`));
    }
    if (unknown.length) {
      problems.push(
        `${unknown.length} repository(ies) whose Dependabot alerts switch GitHub did not show: ${unknown.join(', ')}`,
      );
      failing.push(...unknown.map((r) => `dependabot-unknown:${r}`));
    }
    const incomplete = [
      ...(data.repositoriesComplete ? [] : ['repository list']),
      ...(data.openComplete ? [] : ['open alert list']),
      ...(data.closed.complete ? [] : ['closed alert list']),
    ];
    if (incomplete.length) {
      problems.push(`the ${incomplete.join(', ')} was not read to the end: what was not read is not judged`);
      failing.push(...incomplete.map((what) => `org:${data.org}:${what.replace(/ /g, '-')}`));
    }

    if (problems.length) return fail(`${data.org}: ${problems.join('; ')}.`, failing);
    if (data.repositories.length === 0)
      return notApplicable(
        `${data.org}: no repository that is not archived, so no Dependabot alert to judge`,
      );
    const closed = data.closed.alerts.length;
    const closedNote = closed ? `; ${closed} alert(s) closed since ${data.closed.since}` : '';
    if (judged.length === 0)
      return pass(
        `${data.org}: no open Dependabot alert in ${data.repositories.length} repository(ies) with alerts on${closedNote}`,
      );
    return pass(`${data.org}: all ${judged.length} open Dependabot alert(s) within their SLA${closedNote}`);
  },
});
