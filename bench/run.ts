// `npm run bench`: every benchmark against the real Docker engine and Postgres, printed as
// tables and written to bench/RESULTS.md (with the date, machine and versions) and the raw
// samples to bench/results.json. Not part of the tests: no timing is asserted anywhere.
//   BENCH_ROUNDS (7)  BENCH_SWEEP_SIZE (50)  BENCH_SWEEP_ROUNDS (2)  BENCH_ACTION_ROUNDS (10)
//   BENCH_CLI_ROUNDS (20)  BENCH_OUTAGE_SIZES (50,100)  BENCH_KEEP_SIZE (12)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { removeFixtures } from '../src/demo/broken-workspace.js';
import { benchAction } from './action-bench.js';
import { apiSection, benchApi } from './api-bench.js';
import { benchCliStart, cliStartSection } from './cli-start.js';
import { benchConcurrency, concurrencySection } from './concurrency-bench.js';
import { benchEmbedded, embeddedSection } from './embedded-bench.js';
import { openFleet, ROOT } from './fleet.js';
import { benchFleet } from './fleet-bench.js';
import { fleetSection } from './fleet-report.js';
import { benchKeep, keepSection } from './keep-bench.js';
import { benchLatency } from './latency-bench.js';
import { latencySection } from './latency-report.js';
import { benchOutage, outageSection } from './outage-bench.js';
import { benchRecover, recoverTable } from './recover-vs-runbook.js';
import { summarize } from './stats.js';
import { benchSweep } from './sweep-bench.js';
import { benchWebhooks, webhookSection } from './webhook-bench.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (s: string) => process.stderr.write(`${s}\n`);
const url = process.env.MEDIC_TEST_DATABASE_URL;
if (!url) throw new Error('MEDIC_TEST_DATABASE_URL is unset: run `npm run bench`, which starts the services');

// A benchmark killed before its `finally` leaves its fixtures behind: clear any bench's first
// (benchmarks do not run side by side).
await removeFixtures(new Docker(), 'workspace-medic.bench');
const fleet = await openFleet(url);
// One section, measured alone and put in place in bench/RESULTS.md (the rest kept as measured):
// BENCH_ONLY=embedded | webhooks | latency | outage | cli | keep.
const ONLY: Record<string, { heading: string; run: () => Promise<string[]> }> = {
  embedded: {
    heading: '## 12.',
    run: async () => embeddedSection(await benchEmbedded(fleet, env('BENCH_EMBEDDED_ROUNDS', 9), log)),
  },
  webhooks: { heading: '## 3.', run: async () => webhookSection(await benchWebhooks(fleet, log)) },
  cli: {
    heading: '## 8.',
    run: async () => cliStartSection(await benchCliStart(env('BENCH_CLI_ROUNDS', 20))),
  },
  outage: {
    heading: '## 9.',
    run: async () =>
      outageSection(
        await benchOutage(fleet, (process.env.BENCH_OUTAGE_SIZES ?? '50,100').split(',').map(Number), log),
      ),
  },
  keep: {
    heading: '## 13.',
    run: async () => keepSection(await benchKeep(fleet, env('BENCH_KEEP_SIZE', 12), log)),
  },
  latency: {
    heading: '## 6.',
    run: async () => latencySection(await benchLatency(fleet, env('BENCH_LATENCY_SINGLES', 5), log)),
  },
};
const only = process.env.BENCH_ONLY ? ONLY[process.env.BENCH_ONLY] : undefined;
if (process.env.BENCH_ONLY) {
  if (!only) throw new Error(`BENCH_ONLY is one of ${Object.keys(ONLY).join(', ')}`);
  try {
    const section = await only.run();
    section.splice(
      1,
      0,
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on its own (\`BENCH_ONLY=${process.env.BENCH_ONLY} npm run bench\`), Node ${process.version}.`,
    );
    const file = path.join(ROOT, 'bench/RESULTS.md');
    writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), only.heading, '## 5. Memory', section));
    process.stdout.write(`${section.join('\n')}\n`);
  } finally {
    await fleet.close();
  }
  process.exit(0);
}
try {
  log('1. recover vs the manual runbook');
  const recover = await benchRecover(fleet, env('BENCH_ROUNDS', 7), log);
  log('2. fleet sweep');
  const sweep = await benchSweep(fleet, env('BENCH_SWEEP_SIZE', 50), env('BENCH_SWEEP_ROUNDS', 2), log);
  log('3. webhook acknowledgement');
  const webhooks = await benchWebhooks(fleet, log);
  log('4. action cold start');
  const action = await benchAction(fleet, env('BENCH_ACTION_ROUNDS', 10));
  log('8. CLI start');
  const cliStart = await benchCliStart(env('BENCH_CLI_ROUNDS', 20));
  log('6. ChatOps latency');
  const latency = await benchLatency(fleet, env('BENCH_LATENCY_SINGLES', 5), log);
  log('7. the fleet: agents');
  const agents = await benchFleet(
    fleet,
    {
      rounds: env('BENCH_FLEET_ROUNDS', 20),
      chatops: env('BENCH_FLEET_CHATOPS', 6),
      heals: env('BENCH_HEALS', 20),
    },
    log,
  );

  log('9. a fleet-wide outage');
  const outage = await benchOutage(
    fleet,
    (process.env.BENCH_OUTAGE_SIZES ?? '50,100').split(',').map(Number),
    log,
  );

  log('10. the HTTP API');
  const api = await benchApi(fleet, env('BENCH_API_ROUNDS', 9), log);

  log('11. concurrency');
  const concurrency = await benchConcurrency(
    fleet,
    env('BENCH_WIDTH_SIZE', 40),
    (process.env.BENCH_WIDTHS ?? '1,2,4,8,16').split(',').map(Number),
    log,
  );

  log('12. the embedded database');
  const embedded = await benchEmbedded(fleet, env('BENCH_EMBEDDED_ROUNDS', 9), log);

  log('13. last good copies');
  const keep = await benchKeep(fleet, env('BENCH_KEEP_SIZE', 12), log);

  const machine = {
    date: new Date().toISOString(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    docker: execFileSync('docker', [
      'version',
      '--format',
      '{{.Server.Version}} (API {{.Server.APIVersion}})',
    ])
      .toString()
      .trim(),
    postgres: ((await fleet.db.query('SHOW server_version')).rows[0] as { server_version: string })
      .server_version,
  };
  const s = (v: number[]) => summarize(v);
  const c8 = s(sweep.samples.c8);
  const c1 = s(sweep.samples.c1);
  const act = s(action.action);
  const base = s(action.nodeBaseline);
  const lines = [
    '# Benchmark results',
    '',
    `Measured ${machine.date.slice(0, 10)} by \`npm run bench\` on ${machine.cpus}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, Docker Engine ${machine.docker}, PostgreSQL ${machine.postgres}. Raw samples: \`bench/results.json\`. These machines are shared and noisy: compare ratios within one run, not absolute times across runs.`,
    '',
    `## 1. Recover vs the manual runbook (${recover.rounds} rounds, fresh broken workspaces, alternating order)`,
    '',
    ...recoverTable(recover),
    '',
    `## 2. Fleet sweep (${sweep.size} broken workspaces, \`medic sweep\` as a process)`,
    '',
    '| concurrency | median ms | min–max ms | CPUs busy (median) |',
    '|---|--:|--:|--:|',
    `| 8 | ${Math.round(c8.median)} | ${Math.round(c8.min)}–${Math.round(c8.max)} | ${Math.round(s(sweep.cpuBusy.c8).median * 100)}% |`,
    `| 1 | ${Math.round(c1.median)} | ${Math.round(c1.min)}–${Math.round(c1.max)} | ${Math.round(s(sweep.cpuBusy.c1).median * 100)}% |`,
    '',
    `Ratio 8 vs 1: **${(c8.median / c1.median).toFixed(2)}** (target ≤ 0.3); workspaces not recovered: **${sweep.failures}**.`,
    '',
    ...webhookSection(webhooks),
    '## 4. Action cold start (`node dist/index.js`, dry run, workflow_dispatch)',
    '',
    `Bundle: **${(action.bundleBytes / 2 ** 20).toFixed(2)} MB** (target < 5 MB). Spawn to exit: median **${Math.round(act.median)} ms** (${Math.round(act.min)}–${Math.round(act.max)}; target < 300 ms) against \`node -e 0\` at ${Math.round(base.median)} ms in the same rounds (ratio ${(act.median / base.median).toFixed(1)}).`,
    '',
    ...cliStartSection(cliStart),
    ...latencySection(latency),
    ...fleetSection(agents),
    ...outageSection(outage),
    ...apiSection(api),
    ...concurrencySection(concurrency),
    ...embeddedSection(embedded),
    ...keepSection(keep),
    '## 5. Memory (peak RSS)',
    '',
    `- the app under benchmark 3: **${webhooks.maxRssMb?.toFixed(0) ?? '?'} MB**`,
    `- \`medic sweep\` of ${sweep.size} at concurrency 8 or 1: **${Math.max(...sweep.maxRssMb).toFixed(0)} MB** at most`,
    '',
    readFileSync(path.join(ROOT, 'bench/HISTORY.md'), 'utf8').trim(),
    '',
  ];
  writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), lines.join('\n'));
  writeFileSync(
    path.join(ROOT, 'bench/results.json'),
    `${JSON.stringify({ machine, recover, sweep, webhooks, action, cliStart, latency, agents, outage, api, concurrency, embedded, keep }, null, 1)}\n`,
  );
  process.stdout.write(`${lines.slice(0, -3).join('\n')}\n`);
} finally {
  await fleet.close();
}

/** `text` with the section that starts `start` replaced by `section` (or put before `before`). */
function spliceSection(text: string, start: string, before: string, section: readonly string[]): string {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith(start));
  const body = [...section];
  if (from >= 0) {
    const to = lines.findIndex((l, i) => i > from && l.startsWith('## '));
    lines.splice(from, (to < 0 ? lines.length : to) - from, ...body);
  } else {
    const at = lines.findIndex((l) => l.startsWith(before));
    lines.splice(at < 0 ? lines.length : at, 0, ...body);
  }
  return lines.join('\n');
}
