// Benchmark 1: one recovery, four ways, alternating within each round on fresh broken
// workspaces: (a) the seed's runbook as processes, (b) `medic recover` as a process, (c) the
// core in-process (what the app and the watcher pay), (d) the floor: a bare Engine API stop
// and start of the same kind of container.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { recover } from '../src/core/commands/recover.js';
import type { BrokenWorkspace } from '../src/demo/broken-workspace.js';
import { type Fleet, ROOT, TEMPLATES } from './fleet.js';
import { summarize } from './stats.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'lib/medic.js');

async function runbook(f: Fleet, ws: BrokenWorkspace): Promise<void> {
  await run('docker', ['stop', ws.container]);
  await run('docker', [
    'run',
    '--rm',
    '-v',
    `${ws.volume}:/configs`,
    '-v',
    `${path.join(TEMPLATES, 'claude-code-default')}:/src:ro`,
    f.image,
    'sh',
    '-c',
    'cp -r /src/. /configs/',
  ]);
  await run('docker', ['start', ws.container]);
  await run('psql', [f.url, '-qc', `UPDATE workspaces SET status='online' WHERE id='${ws.id}'`]);
}

async function cli(f: Fleet, ws: BrokenWorkspace): Promise<void> {
  const { stdout } = await run('node', [BIN, 'recover', ws.container, '--json'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: f.url,
      CONFIGS_DIR: TEMPLATES,
      MEDIC_RESTART_BUDGET: '1000/1h',
    },
  });
  if (JSON.parse(stdout).outcome !== 'recovered') throw new Error(`cli did not recover: ${stdout}`);
}

export interface RecoverBench {
  readonly rounds: number;
  readonly samples: Record<'runbook' | 'cli' | 'core' | 'floor', number[]>;
  readonly steps: Record<string, number[]>;
}

export async function benchRecover(
  f: Fleet,
  rounds: number,
  log: (s: string) => void,
): Promise<RecoverBench> {
  const samples: RecoverBench['samples'] = { runbook: [], cli: [], core: [], floor: [] };
  const steps: Record<string, number[]> = {};
  const deps = f.deps();
  const variants: Array<[keyof RecoverBench['samples'], (ws: BrokenWorkspace) => Promise<void>]> = [
    ['runbook', (ws) => runbook(f, ws)],
    ['cli', (ws) => cli(f, ws)],
    [
      'core',
      async (ws) => {
        const r = await recover(deps, ws.container, { actor: 'bench', source: 'cli' });
        if (r.outcome !== 'recovered') throw new Error(`core did not recover: ${r.error?.code}`);
        for (const s of r.steps) {
          steps[s.name] = [...(steps[s.name] ?? []), s.ms];
        }
      },
    ],
    [
      'floor',
      async (ws) => {
        const c = f.docker.getContainer(ws.container);
        await c.stop();
        await c.start();
      },
    ],
  ];
  for (let round = 0; round < rounds; round++) {
    const fresh = await f.brokenMany(variants.length);
    // Rotate the order each round so no variant always runs first (warm caches, page cache).
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const [i, [name, fn]] of order.entries()) {
      const t0 = performance.now();
      await fn(fresh[i]!);
      samples[name].push(performance.now() - t0);
    }
    log(
      `  round ${round + 1}/${rounds}: ${order.map(([n]) => `${n} ${Math.round(samples[n].at(-1)!)} ms`).join(', ')}`,
    );
  }
  return { rounds, samples, steps };
}

export function recoverTable(b: RecoverBench): string[] {
  const m = Object.fromEntries(Object.entries(b.samples).map(([k, v]) => [k, summarize(v)])) as Record<
    keyof RecoverBench['samples'],
    ReturnType<typeof summarize>
  >;
  const a = m.runbook.median;
  const row = (label: string, key: keyof RecoverBench['samples'], target: string) =>
    `| ${label} | ${Math.round(m[key].median)} | ${Math.round(m[key].min)}–${Math.round(m[key].max)} | ${(m[key].median / a).toFixed(2)} | ${target} |`;
  return [
    '| variant | median ms | min–max ms | ratio to runbook | target |',
    '|---|--:|--:|--:|---|',
    row('(a) runbook: docker stop, docker run cp, docker start, psql', 'runbook', '1'),
    row('(b) `medic recover` as a process', 'cli', '≤ 0.7'),
    row('(c) core in-process (app, watcher)', 'core', '≤ 0.5'),
    row('(d) floor: Engine API stop + start', 'floor', '≈ 0.4'),
    '',
    'Where (c) spends its time (median ms per step):',
    '',
    `| ${Object.keys(b.steps).join(' | ')} |`,
    `|${Object.keys(b.steps)
      .map(() => '--:')
      .join('|')}|`,
    `| ${Object.values(b.steps)
      .map((v) => Math.round(summarize(v).median))
      .join(' | ')} |`,
  ];
}
