// Benchmark 9: a fleet-wide outage, the incident's own scenario at scale. N workspaces whose
// config volumes are empty and whose containers are stopped (the platform's restart found
// them so), with `medic watch` running as the README starts it (defaults: a look for rows
// newly marked failed every second, recoveries sized to the engine, a sweep a minute), and again
// the largest N with `medic agent` for their engine instead; then the
// platform marks all N rows `failed` at once. Measured: until the first and the last is
// online. The baseline, in the same run: the engine's own stop + start of the same N
// containers, as many at a time as the watcher recovers (the floor for that concurrency).
import path from 'node:path';
import { applyTestPolicy } from '../test/helpers/core-deps.js';
import { cliEnv } from '../test/reliability/cli-process.js';
import { type Fleet, ROOT } from './fleet.js';
import { startNode } from './processes.js';

export interface OutageSample {
  /** What healed them: `medic watch`, or `medic agent` for their engine. */
  readonly healer: 'watch' | 'agent';
  /** The defaults' waves (a canary of 2, doubling), or none (a canary larger than the outage). */
  readonly waves: 'on' | 'off';
  readonly n: number;
  readonly concurrency: number;
  /** From the rows marked failed: the first online, the last online (ms). */
  readonly firstMs: number;
  readonly lastMs: number;
  /** The engine's own stop + start of the same containers at the same concurrency (ms). */
  readonly floorMs: number;
}

export async function benchOutage(f: Fleet, sizes: readonly number[], log: (s: string) => void) {
  const samples: OutageSample[] = [];
  const largest = sizes.at(-1) ?? 100;
  const runs = [
    ...sizes.map((n) => ['watch', n, 'on'] as const),
    // The baseline for the waves' cost, in the same run: the same outage with no waves.
    ['watch', largest, 'off'] as const,
    ['agent', largest, 'on'] as const,
  ];
  for (const [healer, n, waves] of runs) {
    log(`  ${n} workspaces, healed by medic ${healer}, waves ${waves}`);
    await applyTestPolicy(f.db, waves === 'on' ? 'autoheal: {}\n' : 'autoheal: {canary: 100000}\n');
    const made = await f.brokenMany(n);
    const ids = made.map((w) => w.id);
    await f.db.query("UPDATE workspaces SET status = 'online' WHERE id = ANY($1::uuid[])", [ids]);
    await inTurn(
      made.map((w) => () => f.docker.getContainer(w.container).stop({ t: 0 })),
      8,
    );
    // As the README starts them: defaults, but no metrics port (9464 may be taken here).
    const watch = startNode(
      [
        path.join(ROOT, 'lib/medic.js'),
        ...(healer === 'watch' ? ['watch'] : ['agent', '--engine', 'bench']),
        '--metrics-port',
        '0',
      ],
      cliEnv(f.url, { MEDIC_RESTART_BUDGET: '1000/1h', LOG_LEVEL: 'warn' }),
    );
    try {
      let said = '';
      watch.stderr?.on('data', (d) => {
        said += d;
      });
      const ready = healer === 'watch' ? 'watching ws-* containers' : 'medic: agent for engine';
      await until(() => said.includes(ready), 30_000, `medic ${healer} to start:\n${said}`);
      // What it chose for this engine, from the line it starts with ("4 at a time (…)").
      const concurrency = Number(/(\d+) at a time/.exec(said)?.[1] ?? Number.NaN);
      await new Promise((r) => setTimeout(r, 1500)); // its first sweep and look are done
      const t0 = performance.now();
      await f.db.query("UPDATE workspaces SET status = 'failed' WHERE id = ANY($1::uuid[])", [ids]);
      let firstMs = 0;
      await until(
        async () => {
          const online = await onlineCount(f, ids);
          if (online > 0 && firstMs === 0) firstMs = performance.now() - t0;
          return online === n;
        },
        600_000,
        'every workspace online',
        50,
      );
      const lastMs = performance.now() - t0;
      samples.push({
        healer,
        waves,
        n,
        concurrency,
        firstMs,
        lastMs,
        floorMs: await floor(f, made, concurrency),
      });
    } finally {
      watch.kill('SIGTERM');
      await new Promise((r) => watch.once('exit', r));
      // Each run meets the same engine: this run's containers and volumes removed, rows parked.
      await inTurn(
        made.map((w) => async () => {
          await f.docker
            .getContainer(w.container)
            .remove({ force: true })
            .catch(() => undefined);
          await f.docker
            .getVolume(w.volume)
            .remove()
            .catch(() => undefined);
        }),
        8,
      );
      await f.db.query("UPDATE workspaces SET status = 'removed' WHERE id = ANY($1::uuid[])", [ids]);
    }
  }
  return samples;
}

/** The engine's own stop + start of the containers, as many at a time as the healer ran. */
async function floor(
  f: Fleet,
  made: ReadonlyArray<{ container: string }>,
  concurrency: number,
): Promise<number> {
  const t0 = performance.now();
  await inTurn(
    made.map((w) => async () => {
      const c = f.docker.getContainer(w.container);
      await c.stop({ t: 10 });
      await c.start();
    }),
    concurrency,
  );
  return performance.now() - t0;
}

async function onlineCount(f: Fleet, ids: readonly string[]): Promise<number> {
  const { rows } = await f.db.query(
    "SELECT count(*)::int AS n FROM workspaces WHERE id = ANY($1::uuid[]) AND status = 'online'",
    [ids],
  );
  return (rows[0] as { n: number }).n;
}

async function inTurn(work: ReadonlyArray<() => Promise<unknown>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) await work[next++]!();
    }),
  );
}

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
) {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Section 9 of bench/RESULTS.md. */
export function outageSection(samples: readonly OutageSample[]): string[] {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const on = samples.find((x) => x.healer === 'watch' && x.waves === 'on' && x.n === samples.at(-1)?.n);
  const off = samples.find((x) => x.waves === 'off');
  return [
    '## 9. A fleet-wide outage (`medic watch`, or `medic agent`, as the README starts them; rows marked `failed` at once)',
    '',
    '| healed by | waves | workspaces | first online | last online | recoveries / s | the engine\u2019s own stop + start, same concurrency | engine / s | last / engine | target |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|',
    ...samples.map(
      (x) =>
        `| \`medic ${x.healer}\` | ${x.waves === 'on' ? 'on (default)' : 'off'} | ${x.n} | ${s(x.firstMs)} s | ${s(x.lastMs)} s | ${(x.n / (x.lastMs / 1000)).toFixed(2)} | ${s(x.floorMs)} s (${x.concurrency} at a time) | ${(x.n / (x.floorMs / 1000)).toFixed(2)} | ${(x.lastMs / x.floorMs).toFixed(2)} | first ≤ 3 s; last ≤ 1.5 × engine + 3 s |`,
    ),
    '',
    'The watcher and the agent learn of the rows at their next look (`MEDIC_LOOK_MS`, 1 s), not at their sweep (a minute). Containers stopped, volumes empty, rows online until the platform marks them failed. The agent serves the engine as `bench` (its placements from its first listing).',
    '',
    ...(on && off
      ? [
          `The waves ([storm]: a canary wave of 2, then 4, 8, …, each after the one before ended) against none, the same ${on.n} workspaces in the same run: last online ${s(on.lastMs)} s against ${s(off.lastMs)} s, **${(on.lastMs / off.lastMs).toFixed(2)}×** (${((on.lastMs - off.lastMs) / 1000).toFixed(1)} s: what a canary that succeeds costs this outage).`,
          '',
        ]
      : []),
  ];
}
