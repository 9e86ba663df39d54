/**
 * A DeadlineTimer the test fires (shared/collectors/runner.ts): nothing depends on how much
 * real time passes, so a test can let the deadline come exactly when the rest of the run has
 * done what it must (e.g. once every other collector has written).
 */
import type { DeadlineTimer } from '../../shared/collectors/runner.js';

export interface ManualDeadline {
  timer: DeadlineTimer;
  /** Every deadline the run waited for, in order. */
  deadlines: Date[];
  /** Waits neither finished nor fired yet. */
  pending(): number;
  /** The deadline comes: every pending wait ends, and any wait started later ends at once. */
  fire(): void;
}

export function manualDeadline(): ManualDeadline {
  const waiting = new Set<() => void>();
  const deadlines: Date[] = [];
  let fired = false;
  return {
    deadlines,
    timer: (deadline, fire) => {
      deadlines.push(deadline);
      if (fired) {
        fire();
        return () => undefined;
      }
      waiting.add(fire);
      return () => waiting.delete(fire);
    },
    pending: () => waiting.size,
    fire: () => {
      fired = true;
      for (const fire of [...waiting]) fire();
      waiting.clear();
    },
  };
}
