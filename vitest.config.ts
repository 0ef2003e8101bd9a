import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests train real (tiny) networks on worker threads. These limits only catch a
    // hang: no test may depend on how fast the machine is, and on a 2-core machine loaded to ~12
    // a tiny sweep took several times its idle time (issue #10). 10 minutes is far above that.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
