/**
 * The tests a mutation run (npm run mutation, stryker.config.json) uses: those of the code it
 * mutates (verify, evidence, checks, the lockers, verify-report) and the attacks on them. Stryker runs one worker per
 * sandbox; each starts its own emulator (globalSetup). EVIDENCE_MUTATION_TESTS (comma-separated
 * globs) narrows the run to some test files, for a quick look at one file's mutants.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const narrowed = process.env.EVIDENCE_MUTATION_TESTS?.split(',').filter(Boolean);

// Not mergeConfig: it would append these to the base include (every test file).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: narrowed?.length
      ? narrowed
      : [
          'test/verify/**/*.test.ts',
          'test/evidence/**/*.test.ts',
          'test/checks/**/*.test.ts',
          'test/export/**/*.test.ts',
          // The lockers (the signature that travels with a leaf) and verify-report.
          'test/locker/**/*.test.ts',
          'test/cli/verify-report.test.ts',
          'test/report/verify-output.test.ts',
          // The GitHub 2FA and Dependabot checks are tested with their collectors.
          'test/collectors/github-members.test.ts',
          'test/collectors/github-vulnerabilities.test.ts',
          // So are the emergency change gate and the Inspector checks.
          'test/collectors/change-records.test.ts',
          'test/collectors/inspector.test.ts',
        ],
  },
});
