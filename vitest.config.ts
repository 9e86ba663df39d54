import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/emulator-global.ts'],
    // temp-dirs.ts first: each file's temporary directories under one, removed when it ends.
    setupFiles: ['test/helpers/temp-dirs.ts', 'test/helpers/emulator-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores here: more workers only queue on the one emulator.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
