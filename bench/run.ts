/**
 * `npm run bench`: runs every benchmark in BENCHES and prints its figures. Benchmarks
 * start their own emulators and local vendor servers; nothing here asserts a time.
 * `npm run bench -- <name>` runs only the named ones.
 */
import { lockerBench } from './locker.bench.js';

export interface Bench {
  name: string;
  run(): Promise<void>;
}

export const BENCHES: readonly Bench[] = [lockerBench];

const wanted = process.argv.slice(2);
for (const bench of BENCHES) {
  if (wanted.length && !wanted.includes(bench.name)) continue;
  console.log(`\n## ${bench.name}`);
  await bench.run();
}
