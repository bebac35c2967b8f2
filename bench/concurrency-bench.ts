// Benchmark 11: what the default concurrency rests on. At each width, N fresh broken
// workspaces recovered by the core's sweep (what `medic sweep`, the watcher and an agent
// run), and the engine's own stop + start of N such containers at the same width: recoveries
// a second against the engine's own throughput, and where each stops getting faster.

import { sweep } from '../src/core/commands/sweep.js';
import { recoveriesAtATime } from '../src/core/index.js';
import type { Fleet } from './fleet.js';

export interface WidthSample {
  readonly width: number;
  readonly recoverMs: number;
  readonly recovered: number;
  readonly engineMs: number;
}

export interface ConcurrencyBench {
  readonly n: number;
  readonly engineCpus: number;
  readonly chosen: number;
  readonly samples: readonly WidthSample[];
}

export async function benchConcurrency(
  f: Fleet,
  n: number,
  widths: readonly number[],
  log: (s: string) => void,
): Promise<ConcurrencyBench> {
  const engineCpus = Number((await f.docker.info()).NCPU);
  const samples: WidthSample[] = [];
  for (const width of widths) {
    await f.brokenMany(n);
    const deps = f.deps();
    deps.db.reserve?.(width);
    const t0 = performance.now();
    const report = await sweep(deps, { max: n, concurrency: width, actor: 'bench', source: 'cli' });
    const recoverMs = performance.now() - t0;
    const recovered = report.results.filter((r) => r.outcome === 'recovered').length;
    const again = await f.brokenMany(n);
    const e0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < again.length) {
          const c = f.docker.getContainer(again[next++]!.container);
          await c.stop({ t: 10 });
          await c.start();
        }
      }),
    );
    const engineMs = performance.now() - e0;
    samples.push({ width, recoverMs, recovered, engineMs });
    log(
      `  ${width} at a time: ${recovered}/${n} recovered in ${Math.round(recoverMs)} ms; engine ${Math.round(engineMs)} ms`,
    );
  }
  return { n, engineCpus, chosen: recoveriesAtATime(engineCpus), samples };
}

/** Section 11 of bench/RESULTS.md. */
export function concurrencySection(b: ConcurrencyBench): string[] {
  const rate = (ms: number) => (b.n / (ms / 1000)).toFixed(2);
  const best = Math.max(...b.samples.map((x) => b.n / x.recoverMs));
  return [
    `## 11. Concurrency: recoveries a second against the engine's own stop + start (${b.n} workspaces per width, bridge network)`,
    '',
    '| at a time | recoveries / s | of the best width | recovered | the engine’s stop + start / s | recoveries / engine |',
    '|--:|--:|--:|--:|--:|--:|',
    ...b.samples.map(
      (x) =>
        `| ${x.width}${x.width === b.chosen ? ' (default)' : ''} | ${rate(x.recoverMs)} | ${((b.n / x.recoverMs / best) * 100).toFixed(0)}% | ${x.recovered}/${b.n} | ${rate(x.engineMs)} | ${(x.engineMs / x.recoverMs).toFixed(2)} |`,
    ),
    '',
    `The engine has ${b.engineCpus} CPUs; \`sweep\`, \`watch\` and \`agent\` choose ${b.chosen} at a time for it (two per engine CPU, from 2 to 16; \`src/core/model/concurrency.ts\`). A recovery is a stop and a start plus two archive calls (each spawns a tar helper in the engine) and its bookkeeping, so it reaches the engine's CPU limit at a smaller width than a bare stop + start does.`,
    '',
  ];
}
