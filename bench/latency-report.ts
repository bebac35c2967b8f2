// Benchmark 6's section of bench/RESULTS.md: delivery to result visible and to closed, beside
// the core's own time for the same runs, against the [latency] targets.
import type { LatencyBench, LatencySample } from './latency-bench.js';
import { summarize } from './stats.js';

const row = (label: string, samples: readonly LatencySample[], pick: (s: LatencySample) => number) => {
  const s = summarize(samples.map(pick));
  return `| ${label} | ${Math.round(s.median)} | ${Math.round(s.p99)} | ${Math.round(s.max)} |`;
};

export function latencySection(b: LatencyBench): string[] {
  const overhead = summarize(b.single.map((s) => s.resultMs - s.coreMs));
  const amid = summarize(b.amidFlood.map((s) => s.resultMs - s.coreMs));
  const senders = summarize(b.amidSenders.map((s) => s.resultMs - s.coreMs));
  const slowestCore = Math.max(...b.twenty.map((s) => s.coreMs));
  const lastResult = Math.max(...b.twenty.map((s) => s.resultMs));
  return [
    `## 6. ChatOps latency (\`npm start\` against a GitHub stand-in, GitHub's pace: 1 s between writes, 80 a minute)`,
    '',
    '| | median ms | p99 ms | max ms |',
    '|---|--:|--:|--:|',
    row(`(a) one at a time (${b.single.length}): core time`, b.single, (s) => s.coreMs),
    row('(a) delivery → result visible', b.single, (s) => s.resultMs),
    row('(a) delivery → incident closed', b.single, (s) => s.closedMs),
    row(`(b) twenty at once: core time`, b.twenty, (s) => s.coreMs),
    row('(b) delivery → result visible', b.twenty, (s) => s.resultMs),
    row('(b) delivery → incident closed', b.twenty, (s) => s.closedMs),
    row(
      `(c) admin amid 200 strangers' comments (${b.amidFlood.length}): core time`,
      b.amidFlood,
      (s) => s.coreMs,
    ),
    row('(c) delivery → result visible', b.amidFlood, (s) => s.resultMs),
    row(
      `(d) admin 3 s into 5 strangers × 20 comments × 2 repositories (${b.amidSenders.length}): core time`,
      b.amidSenders,
      (s) => s.coreMs,
    ),
    row('(d) delivery → result visible', b.amidSenders, (s) => s.resultMs),
    '',
    `(a) result visible minus the run's core time: median **${Math.round(overhead.median)} ms** (target ≤ 1,300 ms). ` +
      `(b) last result visible **${(lastResult / 1000).toFixed(1)} s** after the deliveries, slowest core time ${(slowestCore / 1000).toFixed(1)} s (target ≤ 25 s + the slowest core time). ` +
      `Writes for (b): ${b.twentyWrites}, at most **${b.maxWritesPer10s}** in any 10 s (≤ 12) and **${b.maxWritesPerMinute}** in any minute (≤ 80). ` +
      `(c) result visible minus the run's core time amid the flood: median **${Math.round(amid.median)} ms**, max ${Math.round(amid.max)} ms (target ≤ 1,300 ms); refusal comments: ${b.floodRefusals.comments} for ${b.floodRefusals.pairs} (actor, repository) pairs across the rounds (at most one per pair in 10 minutes). (d) the same, the flood shaped as five senders on two repositories: median **${Math.round(senders.median)} ms**, max ${Math.round(senders.max)} ms (target ≤ 1,300 ms).`,
    '',
  ];
}
