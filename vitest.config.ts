import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers (influxd, Modbus) on loopback; two cores only.
    pool: 'forks',
    maxWorkers: 2,
  },
});
