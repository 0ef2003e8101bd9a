import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests train real (tiny) networks on worker threads: give them room on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
