/**
 * The snapshot envelope (README.md, "The locker"): one immutable JSON object per collector run per scope.
 */
import * as z from 'zod';
import { compactInstant, dayOf } from './days.js';
import { CollectorIdSchema, DaySchema, parseSnapshotLockerKey, RunIdSchema, ScopeIdSchema } from './ids.js';

export const SNAPSHOT_SCHEMA = 'evidence.snapshot/1';

const SnapshotStatus = z.enum(['ok', 'partial', 'error']);
export type SnapshotStatus = z.infer<typeof SnapshotStatus>;

/** A name usable in keys: lower-case letters, digits, dot, dash, underscore (see ids.ts for each kind). */
export const KeySegment = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected lower-case letters, digits, ".", "-" or "_"');

const Day = DaySchema;

export const SnapshotEnvelope = z
  .object({
    schema: z.literal(SNAPSHOT_SCHEMA),
    collector: CollectorIdSchema,
    scope: ScopeIdSchema,
    day: Day,
    collectedAt: z.iso.datetime(),
    controls: z.array(z.string()),
    status: SnapshotStatus,
    errors: z.array(z.string()),
    stats: z.object({
      requests: z.number().int().nonnegative(),
      items: z.number().int().nonnegative(),
      pages: z.number().int().nonnegative(),
      durationMs: z.number().nonnegative(),
    }),
    tool: z.object({ name: z.string(), version: z.string() }),
    runId: RunIdSchema,
    /** Who collected it (absent in snapshots written before it was recorded). */
    collectedBy: z
      .object({ principal: z.string().nullable(), method: z.string(), error: z.string().optional() })
      .strict()
      .optional(),
    data: z.unknown(),
  })
  .refine((s) => s.day === s.collectedAt.slice(0, 10), {
    message: 'day must be the UTC date of collectedAt',
    path: ['day'],
  });

export type Snapshot<D = unknown> = Omit<z.infer<typeof SnapshotEnvelope>, 'data'> & { data: D };

export const SNAPSHOT_PREFIX = 'snapshots/';

/**
 * Key layout: snapshots/<day>/<collector>/<scope>/<collectedAt>-<runId>.json.
 * Day first so that sealing a day, or verifying a window, lists one prefix per day
 * instead of every snapshot ever written.
 */
export function snapshotKey(s: Pick<Snapshot, 'collector' | 'scope' | 'collectedAt' | 'runId'>): string {
  const at = new Date(s.collectedAt);
  return `${SNAPSHOT_PREFIX}${dayOf(at)}/${s.collector}/${s.scope}/${compactInstant(at)}-${s.runId}.json`;
}

export interface SnapshotKeyParts {
  day: string;
  collector: string;
  scope: string;
  file: string;
}

/**
 * Parse a snapshot key; undefined when the key does not follow the grammar (ids.ts), i.e.
 * it is misfiled. Use `parseSnapshotLockerKey` to learn why.
 */
export function parseSnapshotKey(key: string): SnapshotKeyParts | undefined {
  const parsed = parseSnapshotLockerKey(key);
  if (parsed.kind !== 'snapshot') return undefined;
  return { day: parsed.day, collector: parsed.collector, scope: parsed.scope, file: parsed.file };
}

/** `<collector>/<scope>`, the way commands take and print a series. */
export function seriesId(collector: string, scope: string): string {
  return `${collector}/${scope}`;
}
