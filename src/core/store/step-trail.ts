// A run's steps in medic.step_events, the trail that `medic history`, the dashboard and the
// API's progress read while a run goes on. A run appends the steps it has taken as part of its
// next statement (a lease's renewal before a change, its end), so the trail costs no round trip
// of its own, and every step is in it before the next change to the workspace begins.
import type { Step } from '../model/result.js';

/** A step of a run's trail: its place in the run, and when it ended. */
export interface NumberedStep {
  readonly seq: number;
  readonly step: Step;
  readonly at: string;
}

/**
 * A data-modifying CTE that appends a run's steps, given as JSON: the first clause of a
 * statement that does something else too (a lease's renewal, a run's end), so that the trail
 * costs no round trip of its own. `$run` and `$steps` name the statement's parameters.
 */
export function appendStepsClause(run: string, steps: string): string {
  // An ended run's trail is sealed (migrations/0011-contain.sql): steps that arrive after its
  // end (a stalled process that wakes after its run was ended as abandoned) are not added.
  const open = `WHERE EXISTS (SELECT 1 FROM medic.runs r WHERE r.run_id = ${run}::uuid AND r.finished_at IS NULL)`;
  return `steps_added AS (
    INSERT INTO medic.step_events (run_id, seq, name, status, ms, detail, at)
    SELECT ${run}::uuid, s.seq, s.name, s.status, s.ms, s.detail, s.at
      FROM jsonb_to_recordset(${steps}::jsonb) AS s(seq int, name text, status text, ms int, detail text, at timestamptz)
     ${open}
    ON CONFLICT (run_id, seq) DO NOTHING)`;
}

export function stepsParam(steps: readonly NumberedStep[]): string {
  return JSON.stringify(
    steps.map(({ seq, step, at }) => ({
      seq,
      name: step.name,
      status: step.status,
      ms: step.ms,
      detail: step.detail,
      at,
    })),
  );
}
