/**
 * The tests a mutation run (npm run mutation, stryker.config.json) uses: those of the code it
 * mutates (verify, evidence, checks) and the attacks on them. Stryker runs one worker per
 * sandbox; each starts its own emulator (globalSetup).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/verify/**/*.test.ts',
        'test/evidence/**/*.test.ts',
        'test/checks/**/*.test.ts',
        'test/export/**/*.test.ts',
      ],
    },
  }),
);
