// [voice] How a result reads: a rollback as a rollback; an error with its next step; a run
// that was never stored without a run id.
import { describe, expect, it } from 'vitest';
import { resultLines } from '../../src/cli/render.js';
import type { RecoveryResult } from '../../src/core/index.js';

const plain = (lines: string[]) => lines.map((l) => l.replace(/[\uE000-\uE005]/g, ''));
const base = {
  runId: '3e535733-a468-40f3-94a5-66ef1555f618',
  command: 'recover',
  outcome: 'recovered',
  workspace: {
    id: '92f6d88b-6a96-4e6a-875b-3cf866fa020a',
    container: 'ws-92f6d88b-6a9',
    volume: 'ws-92f6d88b-6a9-configs',
    runtime: 'claude-code',
    statusBefore: 'failed',
    statusAfter: 'online',
  },
  template: null,
  snapshot: null,
  error: null,
  startedAt: '2026-12-06T10:00:00.000Z',
  finishedAt: '2026-12-06T10:00:00.500Z',
} as unknown as RecoveryResult;

describe('resultLines', () => {
  it('a rollback reads as a rollback', () => {
    const [line] = plain(
      resultLines({
        ...base,
        command: 'rollback',
        workspace: { ...base.workspace, statusBefore: 'online', statusAfter: 'failed' },
      }),
    );
    expect(line).toBe(`ws-92f6d88b-6a9: rolled back (online -> failed) in 500 ms, run ${base.runId}`);
  });

  it('an error has its next step; a run that found no workspace has no run id', () => {
    const lines = plain(
      resultLines({
        ...base,
        outcome: 'failed',
        workspace: { ...base.workspace, id: null, statusBefore: null, statusAfter: null },
        error: { code: 'WORKSPACE_NOT_FOUND', message: 'no workspace … matches ws-00000000-000' },
      }),
    );
    expect(lines[0]).toBe('ws-92f6d88b-6a9: failed (status unknown) in 500 ms, not recorded');
    expect(lines[1]).toBe('  error WORKSPACE_NOT_FOUND: no workspace … matches ws-00000000-000');
    expect(lines[2]).toMatch(/^ {2}next: \S.+/);
  });
});
