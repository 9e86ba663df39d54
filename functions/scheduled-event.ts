/**
 * The event a scheduled run receives. EventBridge Scheduler sends what the stack put in
 * the target's input (infra/evidence-stack.ts `scheduleInput()`: its own context
 * attributes, `scheduledTime` first among them); an EventBridge rule sends a
 * ScheduledEvent with `time`. Anything else (a manual test invoke with `{}`) means "now".
 */
import * as z from 'zod';

const ScheduledInvocation = z.looseObject({
  source: z.string().optional(),
  /** EventBridge Scheduler: <aws.scheduler.scheduled-time>, e.g. 2026-04-21T03:00:00Z. */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  scheduleArn: z.string().optional(),
  executionId: z.string().optional(),
  attemptNumber: z.union([z.string(), z.number()]).optional(),
  /** EventBridge ScheduledEvent. */
  time: z.iso.datetime({ offset: true }).optional(),
});

export interface ScheduledRun {
  /** The slot the run was scheduled for (the invocation time when the event has none). */
  scheduledFor: Date;
  executionId?: string;
  attempt?: number;
}

export class BadEventError extends Error {
  override name = 'BadEventError';
}

export function parseScheduledEvent(event: unknown, now: Date): ScheduledRun {
  const parsed = ScheduledInvocation.safeParse(event ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadEventError(
      `not a scheduled event: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}; expected the Scheduler input {"scheduledTime": "<ISO instant>", ...} or an EventBridge ScheduledEvent`,
    );
  }
  const e = parsed.data;
  const at = e.scheduledTime ?? e.time;
  const run: ScheduledRun = { scheduledFor: at ? new Date(at) : now };
  if (e.executionId !== undefined) run.executionId = e.executionId;
  if (e.attemptNumber !== undefined) run.attempt = Number(e.attemptNumber);
  return run;
}
