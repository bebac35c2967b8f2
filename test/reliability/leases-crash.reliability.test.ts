// Leases across processes and a crash midway, against real Postgres and Docker.
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

const parse = (stdout: string) => resultSchema.parse(JSON.parse(stdout.trim().split('\n')[0] ?? 'null'));

describe('leases', () => {
  it('lets exactly one of 20 concurrent processes recover a workspace; the others say busy, naming it', async () => {
    // A container that ignores SIGTERM makes the winner's stop step last MEDIC_STOP_TIMEOUT_S,
    // so the 20 processes (spawned over a few seconds on 2 cores) overlap it.
    const ws = await world.broken({ cmd: ['sleep', '3600'] });
    const env = cliEnv(world.url, { MEDIC_STOP_TIMEOUT_S: '8' });
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => medic(['recover', ws.container, '--json'], env)),
    );
    tally('fault', 19, { shortened: ['MEDIC_STOP_TIMEOUT_S=8'] });
    const results = runs.map((r) => parse(r.stdout));
    const winners = results.filter((r) => r.outcome === 'recovered');
    const busy = results.filter((r) => r.outcome === 'busy');
    expect(winners).toHaveLength(1);
    expect(busy).toHaveLength(19);
    for (const b of busy) expect(b.error?.message).toContain(winners[0]!.runId);
    expect(runs.filter((r) => r.code === 3)).toHaveLength(19);
    expect(await world.status(ws.id)).toBe('online');
  });
});

describe('a process killed midway', () => {
  it('leaves an unfinished trail after stop; the next recover completes the job and history shows both', async () => {
    // A large stray file makes the snapshot step take long enough to kill the process in it.
    const ws = await world.broken({
      stray: { 'big.bin': 'x'.repeat(24 * 1024 * 1024), 'notes.txt': 'keep\n' },
    });
    const env = cliEnv(world.url);
    const child = spawnMedic(['recover', ws.container, '--json'], env);
    let runId: string | undefined;
    for (let i = 0; i < 2000 && !runId; i++) {
      const { rows } = await world.db.query(
        `SELECT r.run_id::text AS id FROM medic.runs r JOIN medic.step_events s USING (run_id)
          WHERE r.workspace_id = $1 AND s.name = 'stop' AND s.status = 'ok'`,
        [ws.id],
      );
      runId = (rows[0] as { id: string } | undefined)?.id;
      if (!runId) await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    tally('fault');
    expect(runId).toBeDefined();

    const steps = (
      await world.db.query('SELECT name FROM medic.step_events WHERE run_id = $1', [runId])
    ).rows.map((r) => (r as { name: string }).name);
    expect(steps).toContain('stop');
    expect(steps).not.toContain('start'); // killed between stop and start, as intended
    const first = (await world.db.query('SELECT state FROM medic.runs WHERE run_id = $1', [runId])).rows[0];
    expect(first).toEqual({ state: 'running' });
    expect((await world.docker.getContainer(ws.container).inspect()).State.Running).toBe(false);

    const next = await medic(['recover', ws.container, '--json'], env);
    const result = parse(next.stdout);
    expect(result.outcome).toBe('recovered');
    expect(result.steps[0]?.detail).toContain(`took over the lease of run ${runId}`);
    const files = await world.ls(ws.volume);
    const lost = !files.includes('big.bin') || !files.includes('notes.txt');
    tally('dataLoss', lost ? 1 : 0);
    expect(lost).toBe(false);
    expect(files).toContain('config.yaml');
    expect(await world.status(ws.id)).toBe('online');

    const history = await medic(['history', ws.container, '--json'], env);
    const entries = history.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { run_id: string; state: string });
    expect(entries.map((e) => [e.run_id, e.state])).toEqual([
      [result.runId, 'finished'],
      [runId, 'abandoned'],
    ]);
  });
});
