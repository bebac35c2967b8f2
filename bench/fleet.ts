// The benchmarks' fleet is the tests' world (test/helpers/services.ts): a throwaway Postgres
// database with a platform-style table, broken workspaces on the real engine, the project's
// templates, on Docker's default bridge network; with a budget that lets a benchmark recover
// the same workspace many times.
import path from 'node:path';
import { type TestWorld, testWorld } from '../test/helpers/services.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const TEMPLATES = path.join(ROOT, 'templates');

export type Fleet = TestWorld;

export function openFleet(serverUrl: string): Promise<Fleet> {
  return testWorld({
    serverUrl,
    tag: 'bench',
    // As the platform makes them: on Docker's default bridge (a start then sets up a veth pair
    // and an address, which `none` skips).
    network: 'bridge',
    env: { MEDIC_RESTART_BUDGET: '1000/1h', MEDIC_STOP_TIMEOUT_S: '10' },
  });
}
