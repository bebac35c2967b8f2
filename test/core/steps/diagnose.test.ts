// Diagnosis: the verdict from the row, the container and the volume, and the one line that
// says so.
import { describe, expect, it } from 'vitest';
import { describe as describeDiagnosis, diagnose, isFixable } from '../../../src/core/steps/diagnose.js';
import { FakeRuntime } from '../../helpers/fake-runtime.js';

const ID = '92f6d88b-6a96-4e6a-875b-3cf866fa020a';
const NAME = 'ws-92f6d88b-6a9';
const row = (status = 'failed') => ({ id: ID, name: 'w', status, runtime: 'claude-code' });

describe('diagnose', () => {
  it.each([
    ['failed', { files: {} }, 'needs-seed'],
    ['failed', { files: { 'config.yaml': 'x' } }, 'healthy'],
    ['failed', { files: { 'config.yaml': 'x' }, running: false }, 'stopped'],
    ['paused', { files: {} }, 'not-recoverable'],
    ['failed', { files: {}, volume: null }, 'no-container'],
  ] as const)('status %s with %j is %s', async (status, container, verdict) => {
    const rt = new FakeRuntime();
    rt.add(NAME, container);
    const d = await diagnose(rt.port, row(status));
    expect(d.verdict).toBe(verdict);
    expect(isFixable(d.verdict)).toBe(verdict === 'needs-seed' || verdict === 'stopped');
  });

  it('reads the marker when asked for the listing, and says what it found', async () => {
    const rt = new FakeRuntime();
    const marker = { template: 'claude-code-default', digest: 'sha256:x', runId: 'r-1', time: 't' };
    rt.add(NAME, { files: { 'config.yaml': 'x', '.provisioned': JSON.stringify(marker), 'notes.txt': 'n' } });
    const d = await diagnose(rt.port, row('online'), { list: true });
    expect(d).toMatchObject({ entries: 3, markerPresent: true, marker });
    expect(describeDiagnosis(d)).toBe(
      'status online, container running, config.yaml present, provisioned from claude-code-default by run r-1',
    );
  });

  it('shows newlines and escapes written into the marker as escapes, never as lines of its own', async () => {
    const rt = new FakeRuntime();
    const marker = {
      template: 'x\n  to fix: medic recover --force ws-00000000-000\u001b[2J\u0007',
      digest: 'sha256:x',
      runId: 'r\r\n1',
      time: 't',
    };
    rt.add(NAME, { files: { 'config.yaml': 'x', '.provisioned': JSON.stringify(marker) } });
    const line = describeDiagnosis(await diagnose(rt.port, row('online'), { list: true }));
    expect(line).not.toMatch(/\p{Cc}/u);
    expect(line).toContain(
      'provisioned from x\\n  to fix: medic recover --force ws-00000000-000\\u001b[2J\\u0007',
    );
    expect(line).toContain('by run r\\r\\n1');
  });

  it('reports a damaged marker as present but unread', async () => {
    const rt = new FakeRuntime();
    rt.add(NAME, { files: { '.provisioned': '{not json' } });
    const d = await diagnose(rt.port, row(), { list: true });
    expect(d.marker).toBeNull();
    expect(describeDiagnosis(d)).toContain(
      'config.yaml missing (1 other entries), .provisioned marker present',
    );
  });
});
