/**
 * `npm run bench`: runs every benchmark in BENCHES and prints its figures. Benchmarks
 * start their own emulators and local vendor servers; nothing here asserts a time.
 * `npm run bench -- <name>` runs only the named ones.
 */
import { awsBench } from './aws.bench.js';
import { bundleBench } from './bundle.bench.js';
import { changesBench } from './changes.bench.js';
import { coverageBench } from './coverage.bench.js';
import { identityGithubBench } from './identity-github.bench.js';
import { identityOktaBench } from './identity-okta.bench.js';
import { lockerBench } from './locker.bench.js';
import { oktaRunsBench } from './okta-runs.bench.js';
import { orgVerifyBench } from './org-verify.bench.js';
import { sampleBench } from './sample.bench.js';
import { scaleBench } from './scale.bench.js';
import { vendorsBench } from './vendors.bench.js';
import { verifyBench } from './verify.bench.js';
import { vulnerabilitiesGithubBench } from './vulnerabilities-github.bench.js';

export interface Bench {
  name: string;
  run(): Promise<void>;
}

export const BENCHES: readonly Bench[] = [
  lockerBench,
  sampleBench,
  awsBench,
  vendorsBench,
  verifyBench,
  bundleBench,
  scaleBench,
  changesBench,
  identityOktaBench,
  coverageBench,
  // `coverage`: the AWS part in coverage.bench.ts, the GitHub (Dependabot) part here.
  vulnerabilitiesGithubBench,
  orgVerifyBench,
  // `identity`: the GitHub part here; the Okta part registers its own bench under the same name.
  identityGithubBench,
  oktaRunsBench,
];

const wanted = process.argv.slice(2);
for (const bench of BENCHES) {
  if (wanted.length && !wanted.includes(bench.name)) continue;
  console.log(`\n## ${bench.name}`);
  await bench.run();
}
