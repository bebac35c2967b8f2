import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no service (the embedded database, fakes, nock); `services` needs
// what scripts/test.sh starts (a Docker engine and a Postgres server, named by
// MEDIC_TEST_DATABASE_URL). One file at a time by default: Docker Engine 20.10 (Debian's) can
// deadlock in libnetwork when containers exit while others start on another file's behalf
// (seen here: every container operation then hangs). Tests inside a file still run their own
// concurrency on purpose. scripts/test.sh runs the unit files two at a time (--fileParallelism
// --maxWorkers=2), then the services files one at a time: this vitest shares one pool between
// projects, so a project's own fileParallelism would not be honoured.
const SERVICES = ['**/*.integration.test.ts', 'test/reliability/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SERVICES } },
      { extends: true, test: { name: 'services', include: SERVICES } },
    ],
  },
});
