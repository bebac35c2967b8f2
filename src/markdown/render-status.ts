// The status comment: a header, live steps while a run goes, and at the end a table per
// target with the result JSON in a hidden `<!-- medic:result ... -->` block. Everything a
// user typed is escaped; the body is kept under GitHub's 65,536-character limit.
import { nextStep, type RecoveryResult, type Step } from '../core/index.js';
import { autolink, codeSpan, escapeInline, jsonForHtmlComment } from './escape.js';

export const MAX_BODY = 65_000;
const ICON: Record<RecoveryResult['outcome'], string> = {
  recovered: '✅',
  healthy: '💚',
  planned: '📝',
  failed: '❌',
  busy: '⏳',
  refused: '🚫',
  interrupted: '⏸️',
};
const STEP_ICON: Record<Step['status'], string> = { ok: '✓', skipped: '–', failed: '✗' };

export interface StatusView {
  readonly commandLine: string;
  readonly actor: string;
  readonly reason: string | null;
  /** Lines said under the header (a repository setting that was ignored, say). */
  readonly notes?: readonly string[];
  readonly done: readonly RecoveryResult[];
  readonly running: { readonly target: string; readonly steps: readonly Step[] } | null;
  readonly pending: readonly string[];
  /** [pager] The runbook of a workspace of this runtime (the policy's `runbooks`), shown under a failure. */
  readonly runbook?: (runtime: string | null) => string | null;
}

export function renderStatus(view: StatusView): string {
  const head = [
    `### 🩺 medic: ${escapeInline(view.commandLine, 300)}`,
    `Requested by @${escapeInline(view.actor, 40)}${view.reason ? ` · reason: ${escapeInline(view.reason)}` : ''}`,
    ...(view.notes ?? []).map((n) => `> ⚠️ ${n}`),
    '',
  ];
  const table = view.done.length > 0 ? [...resultTable(view.done), ...runbookLines(view)] : [];
  const live = view.running
    ? ['', `**${escapeInline(view.running.target)}**: running…`, '', ...stepRows(view.running.steps)]
    : [];
  const pending =
    view.pending.length > 0 ? ['', `Waiting: ${view.pending.map((t) => codeSpan(t)).join(', ')}`] : [];
  const hidden = view.done.map((r) => `<!-- medic:result ${jsonForHtmlComment(compactRestore(r))} -->`);
  const withDetails = [
    ...head,
    ...table,
    ...live,
    ...pending,
    '',
    ...view.done.flatMap(details),
    ...hidden,
  ].join('\n');
  if (withDetails.length <= MAX_BODY) return withDetails;
  // Too long (many targets with long details): keep the table and the machine-readable results.
  const compact = [
    ...head,
    ...table,
    ...live,
    ...pending,
    '',
    '_Step details omitted to fit a comment; `medic history` has them._',
    ...hidden,
  ].join('\n');
  return compact.length <= MAX_BODY ? compact : `${compact.slice(0, MAX_BODY - 20)}\n\n_(truncated)_`;
}

export function resultTable(results: readonly RecoveryResult[]): string[] {
  return [
    '| workspace | outcome | status | template | run |',
    '|---|---|---|---|---|',
    ...results.map((r) => {
      const ws = r.workspace;
      const status =
        ws.statusBefore === ws.statusAfter
          ? (ws.statusAfter ?? '–')
          : `${ws.statusBefore ?? '?'} → ${ws.statusAfter ?? '?'}`;
      const template = r.template
        ? `${escapeInline(r.template.name)} ${codeSpan(r.template.digest.slice(0, 19))}`
        : '–';
      const outcome = `${ICON[r.outcome]} ${r.outcome}${r.error ? ` ${codeSpan(r.error.code)}` : ''}`;
      return `| ${codeSpan(ws.container)} | ${outcome} | ${escapeInline(status)} | ${template} | ${codeSpan(r.runId)} |`;
    }),
  ];
}

function stepRows(steps: readonly Step[]): string[] {
  if (steps.length === 0) return ['_starting…_'];
  return [
    '| step | | ms | detail |',
    '|---|---|--:|---|',
    ...steps.map((s) => `| ${s.name} | ${STEP_ICON[s.status]} | ${s.ms} | ${escapeInline(s.detail, 300)} |`),
  ];
}

/** Under the table: the runbook of each workspace that failed, once per runbook. */
function runbookLines(view: StatusView): string[] {
  const seen = new Map<string, string[]>();
  for (const r of view.done.filter((x) => x.outcome === 'failed')) {
    const runbook = view.runbook?.(r.workspace.runtime);
    const link = runbook ? autolink(runbook) : null;
    if (link) seen.set(link, [...(seen.get(link) ?? []), r.workspace.container]);
  }
  return [...seen].map(([link, ws]) => `\n📖 Runbook for ${ws.map((w) => codeSpan(w)).join(', ')}: ${link}`);
}

function details(r: RecoveryResult): string[] {
  const next = r.error ? nextStep(r.error.code) : null;
  const error = r.error
    ? [
        `**${escapeInline(r.error.code)}**: ${escapeInline(r.error.message, 500)}${next ? `. Next: ${escapeInline(next, 300)}` : ''}`,
        '',
      ]
    : [];
  return [
    `<details><summary>Steps for ${escapeInline(r.workspace.container)}</summary>`,
    '',
    ...error,
    ...stepRows(r.steps),
    ...fileRows(r),
    '',
    '</details>',
    '',
  ];
}

const FILE_ROWS = 30;

/** The files a recovery wrote (a plan: would write, and keep), one row each, at most FILE_ROWS. */
function fileRows(r: RecoveryResult): string[] {
  if (!r.restore) return [];
  const planned = r.outcome === 'planned';
  const shown = r.restore.files.filter((f) => planned || f.action !== 'kept');
  const kept = r.restore.files.filter((f) => f.action === 'kept').length + r.restore.omitted;
  const rows = shown.slice(0, FILE_ROWS).map((f) => {
    const digest = f.digest ? codeSpan(f.digest.slice(0, 19)) : '–';
    return `| ${codeSpan(f.path)} | ${f.action} | ${f.bytes} | ${digest} | ${f.from} |`;
  });
  const more = shown.length - rows.length + (planned ? r.restore.omitted : 0);
  return [
    '',
    `Files (${r.restore.source}): ${planned ? 'would keep' : 'kept'} ${kept} of the user's${planned ? '' : ', wrote these'}`,
    '',
    '| file | | bytes | sha256 | from |',
    '|---|---|--:|---|---|',
    ...rows,
    ...(more > 0 ? [`| … ${more} more | | | | |`] : []),
  ];
}

/**
 * The result as a status comment carries it: the files kept are counted in `omitted`, not
 * listed (a volume of many files would not fit a comment); `medic history --json` has them all.
 */
function compactRestore(r: RecoveryResult): RecoveryResult {
  if (!r.restore) return r;
  const written = r.restore.files.filter((f) => f.action !== 'kept');
  return {
    ...r,
    restore: {
      ...r.restore,
      files: written,
      omitted: r.restore.omitted + r.restore.files.length - written.length,
    },
  };
}

/** Reads the results back out of a status comment (what scripts and tests do). */
export function parseHiddenResults(body: string): unknown[] {
  return [...body.matchAll(/<!-- medic:result (.*?) -->/g)].map((m) => JSON.parse(m[1] ?? 'null'));
}
