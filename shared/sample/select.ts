/**
 * Which days to sample: a pure function of (seed, check, series, window, plan), so the same
 * seed gives the same days on any machine, whatever order the locker lists in.
 *
 * The algorithm, exactly (docs/sampling.md says the same and shows it in Python):
 *   1. The population of a series is every day from --from to --to, both included.
 *   2. Strata: with --per-month N, each calendar month of the window (clipped to the window)
 *      is a stratum; with --size N or --frequency F, the whole window is one stratum.
 *   3. Each day D of a stratum gets the rank SHA-256("<seed>|<check>|<series>|<D>"), the
 *      UTF-8 string hashed and written as 64 lower-case hex digits; <series> is
 *      "<collector>/<scope>" and <D> is YYYY-MM-DD.
 *   4. Sort the stratum's days by rank (hex strings compared as text, ascending) and take the
 *      first N (every day when the stratum has N or fewer).
 *   5. The sample of the series is the union of the strata's picks, in day order.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { daysBetween } from '../evidence/days.js';
import type { Frequency } from './sizes.js';

export type SamplePlan =
  | { kind: 'per-month'; n: number }
  | { kind: 'size'; n: number }
  | { kind: 'frequency'; frequency: Frequency; n: number }
  /** --all: every day of the window (n = the days of the window). */
  | { kind: 'all'; n: number };

export interface SelectionInput {
  seed: string;
  check: string;
  /** `<collector>/<scope>` */
  series: string;
  from: string;
  to: string;
  plan: SamplePlan;
}

export interface SelectedDay {
  day: string;
  /** SHA-256 hex of `<seed>|<check>|<series>|<day>`: the day's rank in its stratum. */
  rank: string;
  /** YYYY-MM for --per-month; `<from>..<to>` otherwise. */
  stratum: string;
}

const SEED_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** A fresh random seed: 16 hex digits. */
export function generateSeed(): string {
  return randomBytes(8).toString('hex');
}

/** Validate --seed: it is printed into shell commands and a Python snippet, so keep it plain. */
export function parseSeed(value: string): string {
  if (!SEED_RE.test(value)) {
    throw new UsageError(
      `--seed ${JSON.stringify(value)}: expected 1 to 64 letters, digits, ".", "-" or "_" (e.g. --seed 2026-audit-1)`,
    );
  }
  return value;
}

export function rankOf(seed: string, check: string, series: string, day: string): string {
  return sha256Hex(`${seed}|${check}|${series}|${day}`);
}

/** The strata of the window under this plan. */
export function strata(from: string, to: string, plan: SamplePlan): { name: string; days: string[] }[] {
  const days = daysBetween(from, to);
  if (plan.kind !== 'per-month') return [{ name: `${from}..${to}`, days }];
  const months = new Map<string, string[]>();
  for (const day of days) {
    const month = day.slice(0, 7);
    const list = months.get(month) ?? [];
    list.push(day);
    months.set(month, list);
  }
  return [...months].map(([name, list]) => ({ name, days: list }));
}

/** The sampled days of one series for one check, in day order. */
export function selectDays(input: SelectionInput): SelectedDay[] {
  const picked: SelectedDay[] = [];
  for (const stratum of strata(input.from, input.to, input.plan)) {
    const ranked = stratum.days
      .map((day) => ({
        day,
        rank: rankOf(input.seed, input.check, input.series, day),
        stratum: stratum.name,
      }))
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.day < b.day ? -1 : 1));
    picked.push(...ranked.slice(0, input.plan.n));
  }
  return picked.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** One sentence naming the plan, for the workpaper and the CLI. */
export function describePlan(plan: SamplePlan): string {
  switch (plan.kind) {
    case 'per-month':
      return `${plan.n} random day(s) per calendar month of the window, per series`;
    case 'size':
      return `${plan.n} random day(s) over the whole window, per series`;
    case 'frequency':
      return `${plan.n} random day(s) over the whole window, per series (sample size for a ${plan.frequency} control)`;
    case 'all':
      return `every day of the window (${plan.n} day(s), 100% of the population), per series`;
  }
}

/** The algorithm in words an auditor can follow by hand. */
export const ALGORITHM_TEXT = [
  'The population of each series (one collector over one scope) is every day of the window, both ends included.',
  'With --per-month N each calendar month of the window (clipped to the window) is a stratum; with --size N or --frequency F the whole window is one stratum.',
  'Each day D gets the rank SHA-256("<seed>|<check>|<collector>/<scope>|<D>"): the UTF-8 string, hashed, written as 64 lower-case hex digits.',
  'Within each stratum the days are sorted by rank (ascending, compared as text) and the first N are taken (all of them when the stratum has N or fewer days).',
  'The selection depends only on the seed, the check id, the series, the window and N: not on the locker, its listing order, or the machine.',
];

/** A Python 3 script that recomputes the selection with the standard library only. */
export function pythonSnippet(input: PythonInput): string {
  return [...pythonLines(input)].join('\n');
}

export interface PythonInput {
  seed: string;
  /** [check, `<collector>/<scope>`] pairs (read once) */
  targets: Iterable<readonly [string, string]>;
  from: string;
  to: string;
  plan: SamplePlan;
}

/** The script line by line (one line per target). */
export function* pythonLines(input: PythonInput): Generator<string> {
  const perMonth = input.plan.kind === 'per-month';
  yield 'import datetime, hashlib';
  yield `seed, start, end, n, per_month = ${py(input.seed)}, ${py(input.from)}, ${py(input.to)}, ${input.plan.n}, ${perMonth ? 'True' : 'False'}`;
  yield 'targets = [  # (check, "<collector>/<scope>")';
  for (const [check, series] of input.targets) yield `    (${py(check)}, ${py(series)}),`;
  yield* [
    ']',
    'd0, d1 = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)',
    'days = [(d0 + datetime.timedelta(i)).isoformat() for i in range((d1 - d0).days + 1)]',
    'for check, s in targets:',
    '    strata = {}',
    '    for d in days:',
    '        strata.setdefault(d[:7] if per_month else "all", []).append(d)',
    '    rank = lambda d: hashlib.sha256(f"{seed}|{check}|{s}|{d}".encode()).hexdigest()',
    '    picked = sorted(d for group in strata.values() for d in sorted(group, key=rank)[:n])',
    '    print(check, s, " ".join(picked))',
  ];
}

function py(text: string): string {
  return JSON.stringify(text);
}
