import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', './vitest.summary.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
