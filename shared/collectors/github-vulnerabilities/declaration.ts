/**
 * GitHub Dependabot alerts (CC7.1), one org per scope: what the collector declares and the data
 * its snapshots hold (its code: collector.ts). On when the configuration has
 * `github.vulnerabilities: {}`.
 */
import * as z from 'zod';
import { GITHUB_SECRET_VARIABLES, type GitHubScope, githubScopes } from '../github/declaration.js';
import type { Collector, CollectorSettings } from '../types.js';

export const VulnerabilitiesSettingsSchema = z.object({}).strict();

export type VulnerabilitiesSettings = z.infer<typeof VulnerabilitiesSettingsSchema>;

export const vulnerabilitiesSettings: CollectorSettings<VulnerabilitiesSettings> = {
  key: 'vulnerabilities',
  schema: VulnerabilitiesSettingsSchema,
  keys: [],
};

/** One Dependabot alert as the snapshot keeps it (GitHub's `dependabot-alert-with-repository`, trimmed). */
export interface DependabotAlert {
  /** owner/name */
  repository: string;
  number: number;
  /** open, fixed, dismissed or auto_dismissed */
  state: string;
  /** The advisory's severity: low, medium, high or critical. */
  severity: string;
  ecosystem: string;
  package: string;
  manifestPath: string | null;
  /** The GitHub advisory id (GHSA-…) and the CVE, when the advisory has one. */
  advisoryId: string;
  cveId: string | null;
  summary: string | null;
  createdAt: string;
  updatedAt: string;
  fixedAt: string | null;
  dismissedAt: string | null;
  autoDismissedAt: string | null;
  /** Login of who dismissed it. */
  dismissedBy: string | null;
  /** fix_started, inaccurate, no_bandwidth, not_used or tolerable_risk */
  dismissedReason: string | null;
  dismissedComment: string | null;
  url: string;
}

export interface DependabotRepository {
  /** owner/name */
  repository: string;
  /** Whether Dependabot alerts are on; null when GitHub did not say (the credentials cannot see it). */
  alertsEnabled: boolean | null;
}

export interface GitHubVulnerabilitiesData {
  org: string;
  apiUrl: string;
  /** Every repository of the org that is not archived, with its Dependabot alerts switch. */
  repositories: DependabotRepository[];
  /** Repositories GitHub reports (archived ones included) and whether the list was read to the end. */
  totalRepositories: number;
  archivedRepositories: number;
  repositoriesComplete: boolean;
  /** Every open alert of a repository that is not archived, oldest first. */
  openAlerts: DependabotAlert[];
  openComplete: boolean;
  /** Open alerts of archived repositories, counted and left out (an archived repository is read-only). */
  archivedOpenAlerts: number;
  /**
   * Alerts fixed, dismissed or auto-dismissed in [since, until): since the previous snapshot
   * (its `until`, or its `since` when its list was incomplete), at most 8 days back, else the
   * 24 hours before the run; `until` is the run's time.
   */
  closed: { since: string; until: string; complete: boolean; alerts: DependabotAlert[] };
  requests: { graphql: number; rest: number };
  /** GraphQL points spent; the REST (core) requests left after the last REST request. */
  rateLimit: { graphqlCost: number; restRemaining: number | null };
}

export const githubVulnerabilities: Collector<
  GitHubScope,
  GitHubVulnerabilitiesData,
  VulnerabilitiesSettings
> = {
  id: 'github-vulnerabilities',
  source: 'github',
  controls: ['CC7.1'],
  scopePattern: 'github-<org>',
  secrets: GITHUB_SECRET_VARIABLES,
  settings: vulnerabilitiesSettings,
  description:
    'every open Dependabot alert of every non-archived repository (severity, package, advisory id, created at), the alerts fixed or dismissed since the previous run (who dismissed and why), and whether each repository has Dependabot alerts on',
  scopes: githubScopes,
};

export default githubVulnerabilities;
