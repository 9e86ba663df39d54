/** Change records (CC8.1), one org per scope: what the collector declares (its code: collector.ts). */
import { GITHUB_SECRET_VARIABLES, type GitHubScope, githubScopes } from '../github/declaration.js';
import { type ChangesSettings, changesSettings } from '../github-changes/settings.js';
import type { Collector } from '../types.js';
import type { ChangeRecordsData } from './collector.js';

export const changeRecords: Collector<GitHubScope, ChangeRecordsData, ChangesSettings> = {
  id: 'change-records',
  source: 'github',
  controls: ['CC8.1'],
  scopePattern: 'github-<org>',
  windowed: true,
  secrets: GITHUB_SECRET_VARIABLES,
  settings: changesSettings,
  enabled: (_config, settings) => settings?.records !== undefined,
  enabledWhen: 'github.changes.records',
  description:
    'every change record (YAML/JSON, one per change) in github.changes.records, malformed ones by file with the reason, and the emergency-labelled pull requests merged that day with the records they link',
  scopes: githubScopes,
};

export default changeRecords;
