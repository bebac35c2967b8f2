// A crash anywhere in a run makes nothing worse: the CLI is SIGKILLed right after each step
// of a recovery is recorded, and at fixed times after it starts (inside steps), each time on
// a fresh broken workspace. The next `medic recover` always ends with the container running,
// the template in place, the user's file kept and the row online, and history shows both
// runs (the killed one abandoned), against the real engine and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src/core/model/result.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { cliEnv, medic, spawnMedic } from './cli-process.js';
import { tally } from './tally.js';

let world: TestWorld;
beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

const STEPS = [
  'lease',
  'diagnose',
  'budget',
  'template',
  'stop',
  'snapshot',
  'seed',
  'start',
  'wait',
  'mark-online',
];
const DELAYS_MS = [150, 250, 350, 450, 550];

type Moment = { readonly afterStep: string } | { readonly afterMs: number };

async function killAt(moment: Moment, workspaceId: string, container: string) {
  const env = cliEnv(world.url);
  const child = spawnMedic(['recover', container, '--json'], env);
  const exited = new Promise((r) => child.once('exit', r));
  if ('afterMs' in moment) {
    await new Promise((r) => setTimeout(r, moment.afterMs));
  } else {
    for (let i = 0; i < 3000; i++) {
      const { rows } = await world.db.query(
        `SELECT 1 FROM medic.runs r JOIN medic.step_events s USING (run_id) WHERE r.workspace_id = $1 AND s.name = $2`,
        [workspaceId, moment.afterStep],
      );
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  child.kill('SIGKILL');
  await exited;
  tally('fault');
}

/** The next recover, as an operator would run it: again while it says busy (the dead session may linger a moment). */
async function recoverAfter(container: string) {
  for (let i = 0; ; i++) {
    const out = await medic(['recover', container, '--json'], cliEnv(world.url));
    if (out.code !== 3 || i >= 20)
      return { out, result: resultSchema.parse(JSON.parse(out.stdout.trim().split('\n')[0]!)) };
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a crash anywhere', () => {
  const moments: Moment[] = [
    ...STEPS.map((afterStep) => ({ afterStep })),
    ...DELAYS_MS.map((afterMs) => ({ afterMs })),
  ];

  it.each(moments)('killed %j, the next run ends with the workspace whole and online', async (moment) => {
    const ws = await world.broken({ stray: { 'notes.txt': 'keep me\n' } });
    await killAt(moment, ws.id, ws.container);
    const killed = (
      await world.db.query('SELECT run_id::text AS id FROM medic.runs WHERE workspace_id = $1', [ws.id])
    ).rows as { id: string }[];

    const { out, result } = await recoverAfter(ws.container);
    expect(out.code).toBe(0);
    expect(['recovered', 'healthy']).toContain(result.outcome);
    const files = await world.ls(ws.volume);
    const lost = !files.includes('notes.txt');
    tally('dataLoss', lost ? 1 : 0);
    expect(lost).toBe(false);
    expect(files).toEqual(expect.arrayContaining(['config.yaml', '.provisioned', 'notes.txt']));
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(true);
    expect(await world.status(ws.id)).toBe('online');

    // Both runs are in history; the killed one (if it got as far as recording itself) is
    // abandoned, or finished when the kill came after its last step.
    const history = await medic(['history', ws.container, '--json'], cliEnv(world.url));
    const entries = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { run_id: string; state: string });
    expect(entries.map((e) => e.run_id)).toEqual(
      expect.arrayContaining([result.runId, ...killed.map((k) => k.id)]),
    );
    for (const k of killed) {
      const state = entries.find((e) => e.run_id === k.id)?.state;
      expect(['abandoned', 'finished', 'running']).toContain(state);
    }
  });
});
