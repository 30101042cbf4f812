import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real processes, servers stopped and started, one
 * scenario file at a time so they do not steal each other's CPU or ports.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
