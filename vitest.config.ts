import { defineConfig } from 'vitest/config';

// Unit tests run anywhere; integration tests need the services that scripts/test.sh starts
// (a Docker engine and a Postgres server, named by MEDIC_TEST_DATABASE_URL).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
