// Benchmark 12: the embedded database (PGlite under MEDIC_DATA_DIR, what a newcomer meets
// first) against a Postgres server, the same commands spawned to exit in alternating rounds:
// `medic status` and `medic history <target>`, on the embedded database through its holder (the
// default), with the holder off (MEDIC_EMBEDDED_IDLE_S=0: each command opens PGlite itself),
// and on the server; the first command when no holder runs (it starts one); and `medic demo`
// end to end on a fresh data directory (what `npm run demo` runs after its build).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Fleet } from './fleet.js';
import { ROOT } from './fleet.js';
import { runNode } from './processes.js';
import { summarize } from './stats.js';

interface Sides {
  readonly embedded: number[];
  readonly inProcess: number[];
  readonly server: number[];
}

export interface EmbeddedBench {
  readonly rounds: number;
  readonly status: Sides;
  readonly history: Sides;
  /** `medic status` when no holder runs: it starts one. */
  readonly cold: number[];
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
    status: { embedded: [], inProcess: [], server: [] },
    history: { embedded: [], inProcess: [], server: [] },
    cold: [],
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
    // A directory of its own for the holder-off side: the holder of `dataDir` has that one open.
    const noHolderDir = await mkdtemp(path.join(tmpdir(), 'medic-bench-embedded-'));
    dirs.push(noHolderDir);
    const off = { ...base, MEDIC_DATA_DIR: noHolderDir, MEDIC_EMBEDDED_IDLE_S: '0' };
    const made = await runNode([medic, 'demo'], off);
    const noHolderTarget = /ws-[0-9a-f]{8}-[0-9a-f]{3}/.exec(made.stdout + made.stderr)?.[0] ?? '';
    const ws = await fleet.broken();
    const variants: Array<['status' | 'history', keyof Sides, string[], NodeJS.ProcessEnv]> = [
      ['status', 'embedded', ['status'], { ...base, MEDIC_DATA_DIR: dataDir }],
      [
        'status',
        'inProcess',
        ['status'],
        { ...base, MEDIC_DATA_DIR: noHolderDir, MEDIC_EMBEDDED_IDLE_S: '0' },
      ],
      ['status', 'server', ['status'], { ...base, DATABASE_URL: fleet.url }],
      ['history', 'embedded', ['history', embeddedTarget], { ...base, MEDIC_DATA_DIR: dataDir }],
      [
        'history',
        'inProcess',
        ['history', noHolderTarget],
        { ...base, MEDIC_DATA_DIR: noHolderDir, MEDIC_EMBEDDED_IDLE_S: '0' },
      ],
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
    // The first command with no holder running: it starts one (and waits for it to listen).
    for (let i = 0; i < 3; i++) {
      await stopHolder(dataDir);
      const run = await runNode([medic, 'status'], { ...base, MEDIC_DATA_DIR: dataDir });
      if (run.code !== 0) throw new Error(`medic status (cold) exited ${run.code}: ${run.stderr}`);
      out.cold.push(run.ms);
    }
  } finally {
    for (const dir of dirs) {
      await stopHolder(dir);
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** Stops the holder of `dir` (if one runs) and waits until it has let go of the directory. */
async function stopHolder(dir: string): Promise<void> {
  const lock = path.join(dir, 'medic.pid');
  const pid = await readFile(lock, 'utf8').then(
    (t) => (JSON.parse(t) as { pid: number }).pid,
    () => null,
  );
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200; i++) {
    if ((await readFile(lock).catch(() => null)) === null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Section 12 of bench/RESULTS.md. */
export function embeddedSection(b: EmbeddedBench): string[] {
  const med = (v: number[]) => Math.round(summarize(v).median);
  const signed = (n: number) => (n >= 0 ? `+${n}` : String(n));
  const row = (what: string, r: Sides) =>
    `| ${what} | ${med(r.embedded)} | ${med(r.inProcess)} | ${med(r.server)} | ${signed(med(r.embedded) - med(r.server))} | within 300 ms |`;
  return [
    `## 12. The embedded database against a Postgres server (${b.rounds} rounds in turn, spawn to exit)`,
    '',
    '| command | embedded, through its holder (default) median ms | embedded, holder off (`MEDIC_EMBEDDED_IDLE_S=0`) median ms | server median ms | embedded (default) beyond server | target |',
    '|---|--:|--:|--:|--:|---|',
    row('`medic status`', b.status),
    row('`medic history <target>`', b.history),
    '',
    `The first command on a data directory with no holder running starts one (PGlite opens in it, about a second) and waits for it: \`medic status\` then takes a median **${med(b.cold)} ms** over ${b.cold.length} runs; every command after it, until the holder has been idle for \`MEDIC_EMBEDDED_IDLE_S\` (120 s), is served as in the table.`,
    '',
    `\`medic demo\` end to end on a fresh data directory (creates, migrates, breaks a workspace, recovers it, shows the trail; what \`npm run demo\` runs after its build): median **${med(b.demo)} ms** over ${b.demo.length} runs, peak RSS of the demo's own process ${b.demoRssMb.length ? `${med(b.demoRssMb)} MB` : 'not measured'} (the holder, a process of its own, holds PGlite).`,
    '',
  ];
}
