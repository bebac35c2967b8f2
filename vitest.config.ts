import { defineConfig } from 'vitest/config';

// Unit tests run anywhere; integration tests need the services that scripts/test.sh starts
// (a Docker engine and a Postgres server, named by MEDIC_TEST_DATABASE_URL).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One file at a time: Docker Engine 20.10 (Debian's) can deadlock in libnetwork when
    // containers exit while others start on another file's behalf (seen here: every container
    // operation then hangs). Tests inside a file still run their own concurrency on purpose.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
