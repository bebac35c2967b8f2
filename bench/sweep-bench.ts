// Benchmark 2: 50 broken workspaces recovered by `medic sweep` at concurrency 8 vs 1, as
// processes, alternating; with the sweep's peak RSS (benchmark 5).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Fleet, ROOT, TEMPLATES } from './fleet.js';
import { runNode } from './processes.js';

const BIN = path.join(ROOT, 'lib/medic.js');

/** Busy share of all CPUs between two readings of /proc/stat (idle and iowait count as idle). */
function cpuTimes(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = fields.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - (n[3] ?? 0) - (n[4] ?? 0), total };
}

export interface SweepBench {
  readonly size: number;
  readonly samples: Record<'c8' | 'c1', number[]>;
  /** Share of the machine's CPUs busy during each sweep (engine, database and medic together). */
  readonly cpuBusy: Record<'c8' | 'c1', number[]>;
  readonly failures: number;
  readonly maxRssMb: number[];
}

export async function benchSweep(
  f: Fleet,
  size: number,
  rounds: number,
  log: (s: string) => void,
): Promise<SweepBench> {
  const samples: SweepBench['samples'] = { c8: [], c1: [] };
  const cpuBusy: SweepBench['cpuBusy'] = { c8: [], c1: [] };
  const maxRssMb: number[] = [];
  let failures = 0;
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: f.url,
    CONFIGS_DIR: TEMPLATES,
    LOG_LEVEL: 'error' as const,
  };
  for (let round = 0; round < rounds; round++) {
    for (const key of (round % 2 ? ['c1', 'c8'] : ['c8', 'c1']) as Array<'c8' | 'c1'>) {
      await f.brokenMany(size);
      const concurrency = key === 'c8' ? '8' : '1';
      const before = cpuTimes();
      const out = await runNode(
        [BIN, 'sweep', '--concurrency', concurrency, '--max', String(size), '--json'],
        env,
        true,
      );
      const results = out.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { outcome: string });
      failures +=
        results.filter((r) => r.outcome !== 'recovered').length + Math.max(0, size - results.length);
      const after = cpuTimes();
      cpuBusy[key].push((after.busy - before.busy) / (after.total - before.total));
      samples[key].push(out.ms);
      if (out.maxRssMb) maxRssMb.push(out.maxRssMb);
      log(
        `  round ${round + 1}/${rounds} concurrency ${concurrency}: ${results.length} recovered in ${Math.round(out.ms)} ms`,
      );
    }
  }
  return { size, samples, cpuBusy, failures, maxRssMb };
}
