import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/emulator-global.ts'],
    setupFiles: ['test/helpers/emulator-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores here: more workers only queue on the one emulator.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
