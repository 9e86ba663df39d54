/** Backups: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { backupsRecentCheck } from './backups-recent.js';
import { backup } from './declaration.js';

export default { collector: backup, checks: [backupsRecentCheck] } satisfies CollectorModule;
