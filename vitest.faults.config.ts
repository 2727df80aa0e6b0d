import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (services/worker/test/faults), apart from `npm test`
// because its cases kill and restart servers and take minutes. One case at a time: each
// measures how long the system takes to converge.
export default defineConfig({
  test: {
    include: ['services/*/test/faults/**/*.fault.ts'],
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './vitest.summary.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
