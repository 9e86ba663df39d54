/** Build snapshot envelopes for tests. */
import { dayOf } from '../../shared/evidence/days.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../shared/evidence/snapshot.js';

export function makeSnapshot(overrides: Partial<Snapshot> & { collectedAt: string }): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    collector: 'guardduty',
    scope: 'aws-123456789012-us-east-1',
    day: dayOf(new Date(overrides.collectedAt)),
    controls: ['CC7.2'],
    status: 'ok',
    errors: [],
    stats: { requests: 2, items: 1, pages: 1, durationMs: 10 },
    tool: { name: 'evidence-locker', version: 'test' },
    runId: 'run000000001',
    data: { detectors: [{ detectorId: 'd1', status: 'ENABLED' }] },
    ...overrides,
  };
}
