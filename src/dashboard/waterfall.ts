// A run's steps as an SVG waterfall: one bar per step, placed by when it ended and how long it
// took, coloured by its status, labelled with its name and time. Static markup, no script.
import { esc } from './html.js';

interface Bar {
  readonly name: string;
  readonly status: string;
  readonly ms: number;
  readonly at: Date;
}

const COLOUR: Record<string, string> = { ok: '#2da44e', skipped: '#bf8700', failed: '#cf222e' };

export function waterfall(steps: readonly Bar[], startedAt: Date): string {
  if (steps.length === 0) return '<p class="empty">No steps were recorded.</p>';
  const spans = steps.map((s) => {
    const end = Math.max(0, s.at.getTime() - startedAt.getTime());
    return { ...s, start: Math.max(0, end - s.ms), end: Math.max(end, s.ms) };
  });
  const total = Math.max(1, ...spans.map((s) => s.end));
  const width = 640;
  const label = 110;
  const row = 22;
  const scale = (width - label - 60) / total;
  const bars = spans
    .map((s, i) => {
      const y = i * row + 4;
      const x = label + s.start * scale;
      const w = Math.max(2, s.ms * scale);
      return `<g><title>${esc(`${s.name}: ${s.status}, ${s.ms} ms`)}</title><text x="4" y="${y + 13}" font-size="12">${esc(s.name)}</text><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="16" fill="${COLOUR[s.status] ?? '#57606a'}"/><text x="${(x + w + 4).toFixed(1)}" y="${y + 13}" font-size="11">${s.ms} ms</text></g>`;
    })
    .join('');
  const height = steps.length * row + 8;
  return `<svg role="img" aria-label="Steps of the run over time" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}
