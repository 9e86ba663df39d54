/** GitHub changes (CC8.1), one org per scope: what the collector declares (its code: collector.ts). */
import { GITHUB_SECRET_VARIABLES, type GitHubScope, githubScopes } from '../github/declaration.js';
import type { Collector } from '../types.js';
import type { ChangesData } from './collector.js';
import { type ChangesSettings, changesSettings } from './settings.js';

export const githubChanges: Collector<GitHubScope, ChangesData, ChangesSettings> = {
  id: 'github-changes',
  source: 'github',
  controls: ['CC8.1'],
  scopePattern: 'github-<org>',
  windowed: true,
  secrets: GITHUB_SECRET_VARIABLES,
  settings: changesSettings,
  description:
    'every pull request merged into a default branch during its window (author, merger, reviews on which commit, checks, labels, tickets) and every commit that reached a default branch without one (direct push); the windows tile the audit period',
  scopes: githubScopes,
};

export default githubChanges;
