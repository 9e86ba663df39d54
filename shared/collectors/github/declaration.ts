/** GitHub branch protection (CC8.1), one org per scope: what the collector declares (its code: collector.ts). */
import type { Config } from '../../config.js';
import type { Collector, Scope } from '../types.js';
import type { GitHubData } from './collector.js';

export interface GitHubScope extends Scope {
  org: string;
}

/** The variables GitHub credentials are read from (every GitHub collector declares them). */
export const GITHUB_SECRET_VARIABLES = ['GITHUB_TOKEN', 'GITHUB_APP_PRIVATE_KEY'] as const;

/** The org's scope: `github-<org lowercased>`. */
export function githubScopes(config: Config): GitHubScope[] {
  if (!config.github) return [];
  return [{ id: `github-${config.github.org.toLowerCase()}`, org: config.github.org }];
}

export const github: Collector<GitHubScope, GitHubData> = {
  id: 'github',
  source: 'github',
  controls: ['CC8.1'],
  scopePattern: 'github-<org>',
  secrets: GITHUB_SECRET_VARIABLES,
  description:
    'GitHub default-branch protection of every non-archived repository: legacy rules and repository/organization rulesets',
  scopes: githubScopes,
};

export default github;
