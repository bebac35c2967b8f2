// [voice] What medic watch and medic agent say: one line per decision, human or JSON; the same
// skip of the same workspace not repeated within ten minutes; ws-* containers that are no
// workspace of this database summarised, not logged one by one.
import { describe, expect, it } from 'vitest';
import type { RecoveryResult } from '../../src/core/index.js';
import { DecisionLog } from '../../src/watch/decision-log.js';

const result = (over: Partial<RecoveryResult>): RecoveryResult =>
  ({
    runId: '0b5c1a2e-0000-4000-8000-000000000001',
    outcome: 'recovered',
    error: null,
    workspace: { container: 'ws-0b5c1a2e0000' },
    startedAt: '2026-12-06T10:00:00.000Z',
    finishedAt: '2026-12-06T10:00:02.500Z',
    ...over,
  }) as RecoveryResult;

function log(format: 'human' | 'json') {
  const lines: string[] = [];
  let now = Date.parse('2026-12-06T10:00:00Z');
  const d = new DecisionLog(
    (l) => lines.push(l),
    format,
    () => new Date(now),
  );
  return { d, lines, later: (ms: number) => (now += ms) };
}

describe('DecisionLog', () => {
  it('says a heal, a refusal with its code and next step, and a failure, one line each', () => {
    const { d, lines } = log('human');
    d.ran(result({}));
    d.ran(
      result({
        outcome: 'refused',
        error: { code: 'RESTART_BUDGET_EXCEEDED', message: '3 of 3 recoveries used in the last 1h' },
      }),
    );
    d.decide({
      kind: 'failed',
      workspace: 'ws-0b5c1a2e0000',
      code: 'DOCKER_UNAVAILABLE',
      why: 'engine away',
    });
    d.close();
    expect(lines[0]).toBe('medic: healed ws-0b5c1a2e0000 (run 0b5c1a2e, 2.5 s)');
    expect(lines[1]).toMatch(
      /^medic: refused ws-0b5c1a2e0000 RESTART_BUDGET_EXCEEDED: 3 of 3 recoveries used in the last 1h \(run 0b5c1a2e, 2\.5 s\) \(next: .+\)$/,
    );
    expect(lines[2]).toMatch(/^medic: failed ws-0b5c1a2e0000 DOCKER_UNAVAILABLE: engine away \(next: .+\)$/);
    expect(lines).toHaveLength(3);
  });

  it('writes JSON lines when asked', () => {
    const { d, lines } = log('json');
    d.decide({ kind: 'skipped', workspace: 'ws-0b5c1a2e0000', why: 'held by alice until 12:00' });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-12-06T10:00:00.000Z',
      kind: 'skipped',
      workspace: 'ws-0b5c1a2e0000',
      why: 'held by alice until 12:00',
    });
  });

  it('says the same skip again only after ten minutes', () => {
    const { d, lines, later } = log('human');
    const skip = { kind: 'skipped', workspace: 'ws-0b5c1a2e0000', why: 'held' } as const;
    d.decide(skip);
    later(60_000);
    d.decide(skip);
    d.decide({ ...skip, why: 'verdict healthy' }); // another reason is another line
    later(10 * 60_000);
    d.decide(skip);
    expect(lines).toEqual([
      'medic: skipped ws-0b5c1a2e0000: held',
      'medic: skipped ws-0b5c1a2e0000: verdict healthy',
      'medic: skipped ws-0b5c1a2e0000: held',
    ]);
  });

  it('summarises containers that are no workspace here instead of a line each', () => {
    const { d, lines } = log('human');
    for (let i = 0; i < 34; i++) d.stranger(`ws-${String(i).padStart(12, '0')}`);
    d.stranger('ws-000000000000'); // the same one again counts once
    expect(lines).toEqual([]);
    d.summarise();
    expect(lines).toEqual([
      'medic: 34 ws-* containers on this engine are no workspace of this database (e.g. ws-000000000000, ws-000000000001, ws-000000000002); left alone',
    ]);
    d.close();
    expect(lines).toHaveLength(1);
  });
});
