import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'training/**/*.test.ts', 'dashboard/src/**/*.test.ts'],
    // Two cores on CI: forks keep native state (and failures) isolated per file.
    pool: 'forks',
    testTimeout: 20_000,
  },
});
