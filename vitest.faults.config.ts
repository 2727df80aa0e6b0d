import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (services/worker/test/faults), apart from `npm test`
// because its cases kill and restart servers and take minutes. Two cases at a time: the
// S3 outage mostly waits out its minute while the others run beside it.
export default defineConfig({
  test: {
    include: ['services/*/test/faults/**/*.fault.ts'],
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './vitest.summary.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
