// HTML for the dashboard: every value from outside (names, actors, reasons, step details,
// error messages) goes through `esc`; the page shell has landmarks, a stylesheet served from
// the same origin (the CSP allows no inline script or style), and works without JavaScript.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A table with a header row; cells are HTML already escaped by the caller. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  if (rows.length === 0) return `<p class="empty">${esc(caption)}: none.</p>`;
  return `<table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function page(base: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · medic</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><link rel="stylesheet" href="${base}/style.css"></head>
<body><header><nav aria-label="medic"><a href="${base}/">medic</a> <a href="${base}/report">report</a></nav></header>
<main><h1>${esc(title)}</h1>${body}</main>
<footer><p>Read-only view of medic's audit trail. JSON: <a href="${base}/api/runs">${base}/api/runs</a></p></footer></body></html>`;
}

export const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24}
header{background:#1b1f24;padding:.5rem 1rem}header a{color:#fff;text-decoration:none;font-weight:600;margin-right:1rem}
main{padding:1rem;max-width:72rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0}th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.ok{color:#1a7f37}.failed,.refused{color:#cf222e}.busy,.skipped{color:#9a6700}
code{font-size:90%}footer{padding:1rem;color:#57606a}svg{max-width:100%;height:auto}.empty{color:#57606a}
form label{display:block;margin:.5rem 0}
.breaker{background:#ffebe9;border:1px solid #cf222e;border-radius:6px;padding:.5rem 1rem;margin:.5rem 0 1rem}.breaker h2{color:#a40e26;font-size:1.1rem;margin:.25rem 0}`;
