/**
 * The locker verify's memory bench seeds and verifies: `series` fake series (20 collectors ×
 * series/20 scopes, source github so no AWS credentials are asked), one small snapshot per
 * series and day, every day sealed the next morning with a signed digest.
 */
import type { Collector, Scope } from '../shared/collectors/types.js';
import { type Config, parseConfig } from '../shared/config.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../shared/evidence/snapshot.js';

const COLLECTORS = 20;

export function memoryBenchConfig(start: string): Config {
  return parseConfig({
    locker: { retentionDays: 730 },
    github: { org: 'bench' },
    auditPeriod: { start },
  });
}

export function memoryBenchCollectors(series: number): Collector<Scope, unknown>[] {
  const perCollector = Math.ceil(series / COLLECTORS);
  return Array.from({ length: COLLECTORS }, (_, c) => ({
    id: `mem-${String(c).padStart(2, '0')}`,
    source: 'github' as const,
    controls: ['CC7.2'],
    description: 'bench',
    scopes: () =>
      Array.from({ length: perCollector }, (_, s) => ({ id: `scope-${String(s).padStart(3, '0')}` })),
    collect: async () => ({ data: {}, items: 0 }),
  }));
}

export function memoryBenchSnapshot(collector: string, scope: string, day: string): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    collector,
    scope,
    day,
    collectedAt: `${day}T00:05:00.000Z`,
    controls: ['CC7.2'],
    status: 'ok',
    errors: [],
    stats: { requests: 1, items: 1, pages: 1, durationMs: 100 },
    tool: { name: 'bench', version: '0' },
    runId: 'run0',
    data: { detectors: 1 },
  };
}
