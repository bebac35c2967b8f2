// Benchmark 12: the embedded database (PGlite under MEDIC_DATA_DIR, what a newcomer meets
// first) against a Postgres server, the same commands spawned to exit in alternating rounds:
// `medic status` and `medic history <target>`; and `medic demo` end to end on a fresh data
// directory (what `npm run demo` runs after its build).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Fleet } from './fleet.js';
import { ROOT } from './fleet.js';
import { runNode } from './processes.js';
import { summarize } from './stats.js';

export interface EmbeddedBench {
  readonly rounds: number;
  readonly status: { readonly embedded: number[]; readonly server: number[] };
  readonly history: { readonly embedded: number[]; readonly server: number[] };
  readonly demo: number[];
  readonly demoRssMb: number[];
}

export async function benchEmbedded(
  fleet: Fleet,
  rounds: number,
  log: (s: string) => void,
): Promise<EmbeddedBench> {
  const medic = path.join(ROOT, 'lib/medic.js');
  const templates = path.join(ROOT, 'templates');
  const out: EmbeddedBench = {
    rounds,
    status: { embedded: [], server: [] },
    history: { embedded: [], server: [] },
    demo: [],
    demoRssMb: [],
  };
  const base = { PATH: process.env.PATH, NO_COLOR: '1', CONFIGS_DIR: templates };
  const dirs: string[] = [];
  try {
    // The demo, end to end, each time on a fresh data directory (it creates and migrates it).
    let embeddedTarget = '';
    let dataDir = '';
    for (let i = 0; i < Math.max(3, Math.ceil(rounds / 3)); i++) {
      dataDir = await mkdtemp(path.join(tmpdir(), 'medic-bench-embedded-'));
      dirs.push(dataDir);
      const demo = await runNode([medic, 'demo'], { ...base, MEDIC_DATA_DIR: dataDir }, true);
      if (demo.code !== 0) throw new Error(`medic demo exited ${demo.code}: ${demo.stderr}`);
      out.demo.push(demo.ms);
      if (demo.maxRssMb) out.demoRssMb.push(demo.maxRssMb);
      embeddedTarget = /ws-[0-9a-f]{8}-[0-9a-f]{3}/.exec(demo.stdout + demo.stderr)?.[0] ?? '';
      log(`  demo ${i + 1}: ${Math.round(demo.ms)} ms`);
    }
    if (!embeddedTarget) throw new Error('medic demo named no workspace');
    const ws = await fleet.broken();
    const variants: Array<
      [
        keyof Omit<EmbeddedBench, 'rounds' | 'demo' | 'demoRssMb'>,
        'embedded' | 'server',
        string[],
        NodeJS.ProcessEnv,
      ]
    > = [
      ['status', 'embedded', ['status'], { ...base, MEDIC_DATA_DIR: dataDir }],
      ['status', 'server', ['status'], { ...base, DATABASE_URL: fleet.url }],
      ['history', 'embedded', ['history', embeddedTarget], { ...base, MEDIC_DATA_DIR: dataDir }],
      ['history', 'server', ['history', ws.container], { ...base, DATABASE_URL: fleet.url }],
    ];
    for (const [, , args, env] of variants) await runNode([medic, ...args], env); // warm-up
    for (let i = 0; i < rounds; i++) {
      for (const [what, where, args, env] of i % 2 ? [...variants].reverse() : variants) {
        const run = await runNode([medic, ...args], env);
        if (run.code !== 0)
          throw new Error(`medic ${args.join(' ')} (${where}) exited ${run.code}: ${run.stderr}`);
        out[what][where].push(run.ms);
      }
    }
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  return out;
}

/** Section 12 of bench/RESULTS.md. */
export function embeddedSection(b: EmbeddedBench): string[] {
  const med = (v: number[]) => Math.round(summarize(v).median);
  const row = (what: string, r: { embedded: number[]; server: number[] }) =>
    `| ${what} | ${med(r.embedded)} | ${med(r.server)} | +${med(r.embedded) - med(r.server)} | within 300 ms |`;
  return [
    `## 12. The embedded database against a Postgres server (${b.rounds} rounds in turn, spawn to exit)`,
    '',
    '| command | embedded (PGlite) median ms | server median ms | embedded beyond server | target |',
    '|---|--:|--:|--:|---|',
    row('`medic status`', b.status),
    row('`medic history <target>`', b.history),
    '',
    `\`medic demo\` end to end on a fresh data directory (creates, migrates, breaks a workspace, recovers it, shows the trail; what \`npm run demo\` runs after its build): median **${med(b.demo)} ms** over ${b.demo.length} runs, peak RSS ${b.demoRssMb.length ? `${med(b.demoRssMb)} MB` : 'not measured'}.`,
    '',
  ];
}
