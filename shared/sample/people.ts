/**
 * Sampling people (`sample --population users [--strata ATTRIBUTE]`): not occurrences in a
 * window but who could sign in on one day. The day is drawn from the window by the seed (each
 * day with a snapshot of the population's collector gets the rank SHA-256("<seed>|<population>|
 * day:<YYYY-MM-DD>"), the lowest is drawn); that day's snapshots are the population.
 *
 * Stratified by an attribute (e.g. department): proportional allocation with at least one per
 * stratum (largest remainders, ties by stratum name); within each stratum the items with the
 * lowest rank SHA-256("<seed>|<population>|<id>") are drawn. Seeded, so re-drawable.
 *
 * Each snapshot read is proved against the digest chain (its SHA-256 must be the one a digest
 * sealed); an unsealed or altered one makes its items fail. The related collectors' snapshots of
 * the same day and scope (e.g. the `okta` groups) fill columns; their integrity is noted.
 */
import type { PopulationItem, RelatedSnapshot } from '../collectors/types.js';
import { NotFoundError, UsageError } from '../errors.js';
import { listSnapshots } from '../evidence/listing.js';
import { readSnapshot } from '../evidence/read.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import {
  occurrenceSampleSize,
  type PopulationDrawInput,
  type PopulationReport,
  type PopulationSample,
  preferred,
  rankItem,
  walkPopulationChain,
} from './population.js';

/** Stratum of an item without the attribute. */
export const NO_STRATUM = '(none)';

export interface StratumAllocation {
  stratum: string;
  population: number;
  sample: number;
}

/**
 * Proportional allocation of `size` over strata, at least one per stratum (so `size` grows to the
 * number of strata when smaller), never more than a stratum holds. Largest remainders; ties by name.
 */
export function allocate(strata: ReadonlyMap<string, number>, size: number): StratumAllocation[] {
  const names = [...strata.keys()].sort();
  const total = names.reduce((n, s) => n + strata.get(s)!, 0);
  const target = Math.min(total, Math.max(size, names.length));
  const rows = names.map((stratum) => {
    const population = strata.get(stratum)!;
    const quota = total === 0 ? 0 : (target * population) / total;
    return { stratum, population, quota, sample: Math.min(population, Math.max(1, Math.floor(quota))) };
  });
  let sum = rows.reduce((n, r) => n + r.sample, 0);
  while (sum < target) {
    const open = rows.filter((r) => r.sample < r.population);
    open.sort((a, b) => b.quota - b.sample - (a.quota - a.sample) || (a.stratum < b.stratum ? -1 : 1));
    open[0]!.sample++;
    sum++;
  }
  while (sum > target) {
    const over = rows.filter((r) => r.sample > 1);
    over.sort((a, b) => b.sample - b.quota - (a.sample - a.quota) || (a.stratum < b.stratum ? -1 : 1));
    over[0]!.sample--;
    sum--;
  }
  return rows.map(({ stratum, population, sample }) => ({ stratum, population, sample }));
}

export interface PeopleReport extends PopulationReport {
  /** The drawn day. */
  day: string;
  /** The stratification, when --strata was given. */
  strata?: { attribute: string; allocation: StratumAllocation[] };
}

/** The related snapshots of one day: the latest intact one per collector and scope. */
function sameDay(related: readonly RelatedSnapshot[]) {
  return (collector: string, scope: string): RelatedSnapshot | undefined => {
    return preferred(related.filter((e) => e.snapshot.collector === collector && e.snapshot.scope === scope));
  };
}

export async function samplePeople(input: PopulationDrawInput & { strata?: string }): Promise<PeopleReport> {
  const { locker, config, population, from, to, seed } = input;
  const notes: string[] = [];
  const { chain, collectors, sealedBy, integrityOf } = await walkPopulationChain({
    ...input,
    through: to,
    notes,
  });

  // The day: drawn by the seed among the days that hold a snapshot of the population's collector.
  const listed = await listSnapshots(locker, from, to, { collectors });
  const days = [
    ...new Set(
      listed.flatMap((o) => {
        const p = parseSnapshotKey(o.key);
        return p?.collector === population.collector ? [p.day] : [];
      }),
    ),
  ];
  days.sort((a, b) => {
    const ra = rankItem(seed, population.name, `day:${a}`);
    const rb = rankItem(seed, population.name, `day:${b}`);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
  const day = days[0];
  const empty = (why: string): PeopleReport => {
    notes.push(why);
    return {
      schema: 'evidence.population-sample/1',
      population: population.name,
      collector: population.collector,
      columns: population.columns,
      from,
      to,
      seed,
      size: 0,
      sizeRule: 'nothing to draw',
      populationSize: 0,
      snapshotsRead: 0,
      chainProblems: chain.problems.length,
      // People are drawn from one day's snapshot: there is no period to cover.
      populationGaps: [],
      samples: [],
      notes,
      day: day ?? '',
    };
  };
  if (!day)
    return empty(
      `no ${population.collector} snapshot from ${from} to ${to}: nothing to sample (a population of 0 is not a pass)`,
    );

  const ofDay = listed
    .filter((o) => parseSnapshotKey(o.key)?.day === day)
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const related: RelatedSnapshot[] = [];
  const own: RelatedSnapshot[] = [];
  for (const object of ofDay) {
    let read: Awaited<ReturnType<typeof readSnapshot>>;
    try {
      read = await readSnapshot(locker, object.key);
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    const entry = {
      key: object.key,
      sha256: read.sha256,
      snapshot: read.snapshot,
      integrity: integrityOf(object.key, read.sha256),
    };
    (read.snapshot.collector === population.collector ? own : related).push(entry);
  }
  const findRelated = sameDay(related.filter((e) => e.snapshot.status !== 'error'));
  // One snapshot per scope: the latest intact one of the day.
  const scopes = [...new Set(own.map((e) => e.snapshot.scope))].sort();
  const items: (PopulationItem & Omit<PopulationSample, keyof PopulationItem>)[] = [];
  let read = 0;
  for (const scope of scopes) {
    const entry = sameDay(own)(population.collector, scope)!;
    read++;
    if (entry.snapshot.status === 'error') {
      notes.push(`${entry.key} is an error snapshot: it holds no ${population.name}`);
      continue;
    }
    if (entry.snapshot.status === 'partial')
      notes.push(`${entry.key} is partial: some ${population.name} may be missing from it (see its errors)`);
    const integrity = entry.integrity ? `the snapshot holding it is ${entry.integrity}` : null;
    for (const item of population.items(entry.snapshot, config, {
      covering: () => undefined,
      sameDay: findRelated,
    })) {
      items.push({
        ...item,
        ...(integrity && { verdict: 'fail' as const, detail: `${integrity}; ${item.detail}` }),
        rank: rankItem(seed, population.name, item.id),
        key: entry.key,
        sha256: entry.sha256,
        digestKey: sealedBy.get(entry.key) ?? null,
      });
    }
  }
  for (const r of related) {
    if (r.integrity)
      notes.push(`${r.key} (${r.snapshot.collector}) is ${r.integrity}: columns read from it are not proved`);
  }
  if (items.length === 0)
    return {
      ...empty(
        `no ${population.name} in the snapshots of ${day}: nothing to sample (a population of 0 is not a pass)`,
      ),
      snapshotsRead: read,
    };

  const byRank = (a: { rank: string }, b: { rank: string }) =>
    a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
  const wanted = input.size ?? occurrenceSampleSize(items.length);
  let samples: PopulationSample[];
  let strata: PeopleReport['strata'];
  let size: number;
  if (input.strata !== undefined) {
    const attribute = input.strata;
    if (!items.every((i) => i.strata && Object.hasOwn(i.strata, attribute))) {
      const known = [...new Set(items.flatMap((i) => Object.keys(i.strata ?? {})))].sort();
      throw new UsageError(
        `--strata ${JSON.stringify(attribute)}: the ${population.collector} snapshots of ${day} do not record it (they record: ${known.join(', ') || 'nothing'}); add it to okta.users.profileAttributes, or choose one of those`,
      );
    }
    const groups = new Map<string, typeof items>();
    for (const item of items) {
      const stratum = item.strata![attribute]!;
      groups.set(stratum, [...(groups.get(stratum) ?? []), item]);
    }
    const allocation = allocate(new Map([...groups].map(([s, list]) => [s, list.length])), wanted);
    strata = { attribute, allocation };
    samples = allocation.flatMap((a) =>
      groups
        .get(a.stratum)!
        .sort(byRank)
        .slice(0, a.sample)
        .map((item) => ({ ...item, fields: { ...item.fields, stratum: a.stratum } })),
    );
    size = samples.length;
    if (size > wanted)
      notes.push(
        `the sample grew from ${wanted} to ${size}: at least one per stratum (${allocation.length} strata)`,
      );
  } else {
    size = Math.min(wanted, items.length);
    samples = [...items]
      .sort(byRank)
      .slice(0, size)
      .map((item) => ({ ...item, fields: { ...item.fields, stratum: '(not stratified)' } }));
  }
  samples.sort((a, b) =>
    (a.fields.stratum ?? '') !== (b.fields.stratum ?? '')
      ? (a.fields.stratum ?? '') < (b.fields.stratum ?? '')
        ? -1
        : 1
      : a.id < b.id
        ? -1
        : 1,
  );
  const sizeRule =
    (input.size !== undefined
      ? `--size ${input.size}`
      : `${items.length} ${population.name} on ${day}: sized as occurrences (docs/sampling.md)`) +
    (strata ? `, stratified by ${strata.attribute} (proportional, at least one per stratum)` : '');
  return {
    schema: 'evidence.population-sample/1',
    population: population.name,
    collector: population.collector,
    columns: population.columns,
    from,
    to,
    seed,
    size,
    sizeRule,
    populationSize: items.length,
    snapshotsRead: read,
    chainProblems: chain.problems.length,
    populationGaps: [],
    samples,
    notes,
    day,
    ...(strata && { strata }),
  };
}
