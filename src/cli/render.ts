// Human output of the CLI: a line per step as it happens, a summary per result, and the
// diagnosis and history views. Machine output (--json) never goes through here.

import type { HistoryEntry, Outcome, RecoveryResult, Step } from '../core/index.js';
import { type Diagnosis, describe, isFixable, nextStep } from '../core/index.js';
import { paint, type Style } from './terminal.js';

const MARK: Record<Step['status'], string> = {
  ok: paint('ok', '✓'),
  skipped: paint('warn', '-'),
  failed: paint('failed', '✗'),
};
const OUTCOME_STYLE: Record<Outcome, Style> = {
  recovered: 'ok',
  healthy: 'ok',
  planned: 'dim',
  failed: 'failed',
  refused: 'failed',
  busy: 'warn',
  interrupted: 'warn',
};

/** An outcome word, styled for a terminal. */
export function outcome(word: string): string {
  const style = OUTCOME_STYLE[word as Outcome];
  return style ? paint(style, word) : word;
}

export function stepLine(step: Step): string {
  return `  ${MARK[step.status]} ${step.name.padEnd(12)} ${paint('dim', `${step.ms} ms`.padStart(8))}  ${step.detail}`;
}

export function resultLines(result: RecoveryResult): string[] {
  const ws = result.workspace;
  const ms = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  const status =
    ws.statusBefore === ws.statusAfter
      ? `status ${ws.statusAfter ?? 'unknown'}`
      : `${ws.statusBefore} -> ${ws.statusAfter}`;
  // A run that never found its workspace was not recorded: no run id to look up.
  const run = ws.id === null ? 'not recorded' : `run ${result.runId}`;
  // A rollback that succeeded put the snapshot back: it reads as what it did.
  const word =
    result.command === 'rollback' && result.outcome === 'recovered'
      ? paint('ok', 'rolled back')
      : outcome(result.outcome);
  const lines = [`${paint('bold', ws.container)}: ${word} (${status}) in ${ms} ms, ${run}`];
  if (result.template) lines.push(`  template ${result.template.name} ${result.template.digest}`);
  if (result.snapshot)
    lines.push(
      `  snapshot ${result.snapshot.bytes} bytes ${result.snapshot.digest} (medic rollback ${result.runId})`,
    );
  if (result.restore) lines.push(...restoreLines(result.restore, result.outcome === 'planned'));
  if (result.error) {
    lines.push(`  error ${result.error.code}: ${result.error.message}`);
    const next = nextStep(result.error.code);
    if (next) lines.push(`  next: ${next}`);
  }
  return lines;
}

const FILE_MARK = { added: '+', overwritten: '!', kept: '=' } as const;

/**
 * The files a recovery wrote (or, planned, would write), one line each: `+` added, `!`
 * overwritten, and, for a plan, `=` kept (a run says only how many it kept).
 */
export function restoreLines(restore: NonNullable<RecoveryResult['restore']>, planned: boolean): string[] {
  const n = (a: keyof typeof FILE_MARK) => restore.files.filter((f) => f.action === a).length;
  const kept = n('kept') + restore.omitted;
  const lines = [
    `  files (${restore.source}): ${n('added')} added, ${n('overwritten')} overwritten, ${kept} kept`,
  ];
  for (const f of restore.files) {
    if (f.action === 'kept' && !planned) continue;
    const digest = f.digest ? f.digest.slice(0, 'sha256:'.length + 12) : '-';
    lines.push(`    ${FILE_MARK[f.action]} ${f.path} ${paint('dim', `${f.bytes} B ${digest} ${f.from}`)}`);
  }
  if (planned && restore.omitted > 0) lines.push(`    … and ${restore.omitted} more kept`);
  return lines;
}

export interface DiagnosisView {
  readonly target: string;
  readonly workspace: { id: string; name: string | null; status: string; runtime: string | null };
  readonly container: string;
  readonly volume: string;
  readonly running: boolean | null;
  readonly health: string | null;
  readonly volumePresent: boolean;
  readonly entries: number | null;
  readonly configPresent: boolean;
  readonly marker: Diagnosis['marker'];
  readonly verdict: Diagnosis['verdict'];
  readonly budget: Diagnosis['budget'];
  readonly summary: string;
  readonly next: string | null;
}

export function diagnosisView(target: string, d: Diagnosis): DiagnosisView {
  const next = isFixable(d.verdict) ? `medic recover ${d.container}` : null;
  return {
    target,
    workspace: d.workspace,
    container: d.container,
    volume: d.volume,
    running: d.state ? d.state.running : null,
    health: d.state?.health ?? null,
    volumePresent: d.volumePresent,
    entries: d.entries,
    configPresent: d.configPresent,
    marker: d.marker,
    verdict: d.verdict,
    budget: d.budget ?? null,
    summary: describe(d),
    next,
  };
}

export function diagnosisLines(view: DiagnosisView): string[] {
  const lines = [
    `${view.container} (${view.workspace.id}, runtime ${view.workspace.runtime ?? 'unset'}): ${view.verdict}`,
  ];
  lines.push(`  ${view.summary}`);
  const b = view.budget;
  if (b) {
    const left = b.max - b.used;
    lines.push(
      `  restart budget: ${b.used} of ${b.max} used in the last ${b.window}${b.frees ? `; the oldest leaves the window at ${b.frees}` : ''}${left <= 0 ? ' (exhausted: a recovery needs --force until then)' : ''}`,
    );
  }
  if (view.next) lines.push(`  to fix: ${view.next}`);
  return lines;
}

export function historyLines(entries: readonly HistoryEntry[]): string[] {
  if (entries.length === 0) return ['no runs recorded for this workspace'];
  return entries.flatMap((e) => [
    `${e.started_at.toISOString()}  ${e.command} ${outcome(e.outcome ?? e.state)}${e.error_code ? ` ${e.error_code}` : ''}  run ${e.run_id}  by ${e.actor} via ${e.source}${e.reason ? `: ${e.reason}` : ''}`,
    ...e.steps.map((s) =>
      stepLine({ name: s.name, status: s.status as Step['status'], ms: s.ms, detail: s.detail }),
    ),
  ]);
}
