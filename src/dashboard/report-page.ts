// The dashboard's report (/report, JSON at /api/report): what `medic report` prints, with the
// recoveries per day drawn as an SVG bar chart (static markup, no script).
import { type CoreDeps, parseDuration, type Report, report } from '../core/index.js';
import { esc, page, table } from './html.js';
import type { Rendered } from './pages.js';

export async function reportPage(
  deps: CoreDeps,
  base: string,
  json: boolean,
  since: string | null,
): Promise<Rendered> {
  // The CLI's grammar (30d, 12h, 90m, 45s), and a bad value said, not replaced by 7 days.
  const ms = parseDuration(since ?? '7d');
  if (ms === null || ms <= 0) {
    const message = `since=${since} is not an age: write it as 30d, 12h, 90m or 45s`;
    return json
      ? { status: 400, json: { error: message, code: 'INVALID_REQUEST' } }
      : { status: 400, html: page(base, 'Report', `<p>${esc(message)}.</p>`) };
  }
  const r = await report(deps.db, ms);
  if (json) return { status: 200, json: r };
  const secs = (x: number | null) => (x === null ? '–' : `${(x / 1000).toFixed(1)} s`);
  const t = r.timeToRecover;
  const body = [
    `<p>From ${esc(r.since.slice(0, 16).replace('T', ' '))} to ${esc(r.until.slice(0, 16).replace('T', ' '))} UTC. <a href="${base}/report?since=1d">1 day</a> · <a href="${base}/report?since=7d">7 days</a> · <a href="${base}/report?since=30d">30 days</a></p>`,
    table(
      'Summary',
      ['', ''],
      [
        [
          'Time to recover (first seen → online), p50 / p95 / max',
          `${secs(t.p50Ms)} / ${secs(t.p95Ms)} / ${secs(t.maxMs)} (${t.n} recoveries)`,
        ],
        ['Breakages recovered', String(r.counts.breakages)],
        ['Attempts that failed; commands refused', `${r.counts.failed}; ${r.counts.refused}`],
        [
          'Failures by class',
          r.failuresByClass.length === 0
            ? 'none'
            : r.failuresByClass.map((c) => `${c.class} ${c.n}`).join(', '),
        ],
        ['Regressions (broken again within the window)', String(r.regressions)],
        ['Restart budgets exhausted', String(r.budgetExhausted)],
      ],
    ),
    chart(r),
    table(
      'Runs by source and outcome',
      ['source', 'outcome', 'runs'],
      r.runs.map((x) => [
        esc(x.source),
        `<span class="${esc(x.outcome)}">${esc(x.outcome)}</span>`,
        String(x.n),
      ]),
    ),
    table(
      'Broke most',
      ['workspace', 'recoveries'],
      r.brokeMost.map((w) => [
        `<a href="${base}/workspaces/${esc(w.container)}"><code>${esc(w.container)}</code></a>`,
        String(w.n),
      ]),
    ),
  ].join('');
  return { status: 200, html: page(base, 'Report', body) };
}

/** Recoveries per day: a stacked bar per day (recovered green, failed red), labelled. */
function chart(r: Report): string {
  if (r.days.length === 0) return '<p class="empty">Recoveries per day: none.</p>';
  const width = 640;
  const height = 180;
  const top = Math.max(1, ...r.days.map((d) => d.recovered + d.failed));
  const slot = (width - 40) / r.days.length;
  const bar = Math.max(4, Math.min(40, slot - 6));
  const scale = (height - 40) / top;
  const bars = r.days
    .map((d, i) => {
      const x = 30 + i * slot + (slot - bar) / 2;
      const ok = d.recovered * scale;
      const bad = d.failed * scale;
      const base = height - 20;
      return `<g><title>${esc(`${d.day}: ${d.recovered} recovered, ${d.failed} failed`)}</title><rect x="${x.toFixed(1)}" y="${(base - ok).toFixed(1)}" width="${bar.toFixed(1)}" height="${ok.toFixed(1)}" fill="#2da44e"/><rect x="${x.toFixed(1)}" y="${(base - ok - bad).toFixed(1)}" width="${bar.toFixed(1)}" height="${bad.toFixed(1)}" fill="#cf222e"/><text x="${(x + bar / 2).toFixed(1)}" y="${height - 5}" font-size="10" text-anchor="middle">${esc(d.day.slice(5))}</text></g>`;
    })
    .join('');
  return `<figure><figcaption>Recoveries per day (green: recovered, red: failed; at most ${top} a day)</figcaption><svg role="img" aria-label="Recoveries per day" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><line x1="28" y1="${height - 20}" x2="${width - 10}" y2="${height - 20}" stroke="#57606a"/>${bars}</svg></figure>`;
}
