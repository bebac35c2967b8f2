// Benchmark 7's section of bench/RESULTS.md: the agent path against the in-process one, the
// same for ChatOps end to end, and the agent's time to heal.
import type { FleetBench } from './fleet-bench.js';
import { summarize } from './stats.js';

const row = (label: string, samples: readonly number[]) => {
  const s = summarize(samples);
  return `| ${label} | ${s.n} | ${Math.round(s.median)} | ${Math.round(s.p99)} | ${Math.round(s.max)} |`;
};

export function fleetSection(b: FleetBench): string[] {
  const local = summarize(b.executor.local);
  const agents = summarize(b.executor.agents);
  const chatLocal = summarize(b.chatops.local);
  const chatAgents = summarize(b.chatops.agents);
  return [
    '## 7. The fleet: agents (`medic agent` as a process, one Postgres)',
    '',
    '| | n | median ms | p99 ms | max ms |',
    '|---|--:|--:|--:|--:|',
    row('(a) recover in-process', b.executor.local),
    row('(a) the same through an agent (task, claim, steps, result)', b.executor.agents),
    row('(b) ChatOps delivery → result visible, MEDIC_EXECUTOR=local', b.chatops.local),
    row('(b) the same, MEDIC_EXECUTOR=agents', b.chatops.agents),
    row('(c) agent healing: container death → row online', b.heal),
    '',
    `(a) on the same workspaces, the agent path minus in-process: **${Math.round(agents.median - local.median)} ms** at the median ` +
      `(ratio ${(agents.median / local.median).toFixed(2)}), ${Math.round(agents.p99 - local.p99)} ms at p99; what it adds is storing the task, ` +
      "the agent's claim (woken by NOTIFY; it polls every 200 ms otherwise), a stored step per step, and the app's reads of the task " +
      '(woken by NOTIFY; every 200 ms otherwise). ' +
      `(b) end to end, agents against in-process: ratio **${(chatAgents.median / chatLocal.median).toFixed(2)}** at the median ` +
      `(${Math.round(chatAgents.median - chatLocal.median)} ms). (c) p50 ${Math.round(summarize(b.heal).median)} ms, ` +
      `p99 ${Math.round(summarize(b.heal).p99)} ms (${b.heal.length} samples: p99 is the slowest of them), after one ` +
      `warm-up heal that is timed but not counted: **${Math.round(b.healWarmup)} ms**, the first after the agent started, ` +
      'while the engine was still busy with the twenty-one workspaces just made for this section.',
    '',
  ];
}
