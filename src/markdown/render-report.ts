// `medic report` as Markdown (to paste into an issue) and as plain text (a terminal).
import type { Report } from '../core/index.js';

const seconds = (ms: number | null) =>
  ms === null ? '–' : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function reportMarkdown(r: Report): string {
  const outcomes = [...new Set(r.runs.map((x) => x.outcome))].sort();
  const sources = [...new Set(r.runs.map((x) => x.source))].sort();
  const count = (s: string, o: string) => r.runs.find((x) => x.source === s && x.outcome === o)?.n ?? 0;
  const t = r.timeToRecover;
  return [
    `### 🩺 medic report: ${r.since.slice(0, 16).replace('T', ' ')} to ${r.until.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    '| | |',
    '|---|--:|',
    `| time to recover (first seen → online), p50 / p95 / max | ${seconds(t.p50Ms)} / ${seconds(t.p95Ms)} / ${seconds(t.maxMs)} (${plural(t.n, 'recovery', 'recoveries')}) |`,
    `| breakages recovered | ${r.counts.breakages} |`,
    `| attempts that failed; commands refused | ${r.counts.failed}; ${r.counts.refused} |`,
    ...(r.failuresByClass.length === 0
      ? []
      : [`| failures by class | ${r.failuresByClass.map((c) => `${c.class} ${c.n}`).join(', ')} |`]),
    `| regressions (broken again within the window) | ${r.regressions} |`,
    `| restart budgets exhausted | ${r.budgetExhausted} |`,
    '',
    ...(sources.length === 0
      ? ['No recoveries or rollbacks in this period.']
      : [
          `| source | ${outcomes.join(' | ')} |`,
          `|---|${outcomes.map(() => '--:').join('|')}|`,
          ...sources.map((s) => `| ${s} | ${outcomes.map((o) => count(s, o)).join(' | ')} |`),
        ]),
    '',
    ...(r.brokeMost.length === 0
      ? []
      : [
          'Broke most:',
          '',
          ...r.brokeMost.map((w) => `- \`${w.container}\`: ${plural(w.n, 'breakage', 'breakages')}`),
          '',
        ]),
  ].join('\n');
}

export function reportText(r: Report): string[] {
  const t = r.timeToRecover;
  return [
    `report ${r.since} to ${r.until}`,
    `  time to recover p50 ${seconds(t.p50Ms)}, p95 ${seconds(t.p95Ms)}, max ${seconds(t.maxMs)} (${plural(t.n, 'recovery', 'recoveries')})`,
    `  breakages recovered ${r.counts.breakages}; attempts that failed ${r.counts.failed}, refused ${r.counts.refused}, busy ${r.counts.busy}, interrupted ${r.counts.interrupted}; found healthy ${r.counts.healthy}`,
    `  regressions ${r.regressions}, restart budgets exhausted ${r.budgetExhausted}`,
    `  failures by class: ${r.failuresByClass.length === 0 ? 'none' : r.failuresByClass.map((c) => `${c.class} ${c.n}`).join(', ')}`,
    '  runs by source and outcome',
    ...(r.runs.length === 0
      ? ['    none']
      : r.runs.map((x) => `    ${x.source.padEnd(7)} ${x.outcome.padEnd(10)} ${x.n}`)),
    '  broke most',
    ...(r.brokeMost.length === 0 ? ['    none'] : r.brokeMost.map((w) => `    ${w.container}  ${w.n}`)),
  ];
}
