// The status comment: created once, edits coalesced (at most one in flight, never closer than
// the interval), the final body always written, and a failed edit never failing the run. On a
// clock the test drives: nothing here waits in real time.
import { describe, expect, it } from 'vitest';
import { StatusComment } from '../../src/chatops/status-comment.js';
import { silentLogger } from '../../src/core/index.js';
import type { GitHubPort } from '../../src/github/github-port.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { unpaced } from '../helpers/github-nock.js';

function recordingPort(now: () => number, overrides: Partial<GitHubPort> = {}) {
  const writes: Array<{ kind: 'create' | 'update'; body: string; at: number }> = [];
  const port: GitHubPort = {
    owner: 'acme',
    repo: 'platform',
    react: async () => {},
    createComment: async (_issue, body) => {
      writes.push({ kind: 'create', body, at: now() });
      return 1;
    },
    updateComment: async (_id, body) => {
      writes.push({ kind: 'update', body, at: now() });
    },
    closeIssue: async () => {},
    reopenIssue: async () => {},
    createIssue: async () => 1,
    findOpenIssue: async () => null,
    permissionOf: async () => 'write',
    isTeamMember: async () => false,
    readFile: async () => null,
    ...overrides,
  };
  return { port, writes };
}

/** A status comment on `issue` through `github`, unpaced, editing at most every `intervalMs`. */
function statusOn(
  t: ReturnType<typeof fakeClock>,
  github: GitHubPort,
  o: { intervalMs: number; graceMs?: number; issue?: number },
) {
  return new StatusComment({
    github,
    writes: unpaced(),
    issue: o.issue ?? 42,
    logger: silentLogger,
    clock: t.clock,
    intervalMs: o.intervalMs,
    ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
  });
}

/** finish() while the clock runs on to `untilMs`. */
async function finishing(
  t: ReturnType<typeof fakeClock>,
  status: StatusComment,
  body: string,
  untilMs: number,
) {
  const done = status.finish(body);
  await t.run(untilMs);
  await done;
}

describe('StatusComment', () => {
  it('coalesces a burst of updates into few edits and ends with the final body', async () => {
    const t = fakeClock();
    const { port, writes } = recordingPort(t.now);
    const status = statusOn(t, port, { intervalMs: 50 });
    status.open('v0');
    await t.run(0);
    for (let i = 1; i <= 20; i++) status.update(`v${i}`);
    await finishing(t, status, 'final', 1_000);
    expect(writes[0]).toMatchObject({ kind: 'create', body: 'v0' });
    expect(writes.at(-1)).toMatchObject({ kind: 'update', body: 'final' });
    expect(writes.length).toBeLessThanOrEqual(4);
  });

  it('spaces edits at least the interval apart', async () => {
    const t = fakeClock();
    const { port, writes } = recordingPort(t.now);
    const status = statusOn(t, port, { intervalMs: 80 });
    status.open('v0');
    await t.run(0);
    status.update('v1');
    await t.run(20);
    status.update('v2');
    await t.run(200);
    const edits = writes.filter((w) => w.kind === 'update');
    expect(edits.map((e) => e.body)).toEqual(['v2']);
    expect(edits[0]!.at - writes[0]!.at).toBeGreaterThanOrEqual(80);
  });

  it('when the first comment could not be posted, posts the final body as a new one', async () => {
    const t = fakeClock();
    let failFirst = true;
    const { port, writes } = recordingPort(t.now);
    const flaky: GitHubPort = {
      ...port,
      createComment: async (issue, body) => {
        if (failFirst) {
          failFirst = false;
          throw new Error('502');
        }
        return port.createComment(issue, body);
      },
    };
    const status = statusOn(t, flaky, { intervalMs: 0 });
    status.open('v0');
    await t.run(0);
    status.update('v1');
    await finishing(t, status, 'final', 100);
    expect(writes).toEqual([expect.objectContaining({ kind: 'create', body: 'final' })]);
  });

  it('logs a failed edit and goes on', async () => {
    const t = fakeClock();
    const { port, writes } = recordingPort(t.now, {
      updateComment: async () => {
        throw new Error('502');
      },
    });
    const status = statusOn(t, port, { intervalMs: 0 });
    status.open('v0');
    await t.run(0);
    status.update('v1');
    await t.run(20);
    await expect(status.finish('final')).rejects.toThrow('502');
    expect(writes).toHaveLength(1);
  });

  it('posts nothing before its grace ends: a command that ends sooner posts its result alone', async () => {
    const t = fakeClock();
    const { port, writes } = recordingPort(t.now);
    const quick = statusOn(t, port, { intervalMs: 0, graceMs: 200 });
    quick.open('waiting');
    await t.run(50);
    await finishing(t, quick, 'final', 1_000); // the grace's end, after finish, posts nothing
    expect(writes).toEqual([expect.objectContaining({ kind: 'create', body: 'final' })]);
    const slow = statusOn(t, port, { intervalMs: 0, graceMs: 30, issue: 43 });
    slow.open('waiting');
    await t.run(1_120);
    await finishing(t, slow, 'final', 1_200);
    expect(writes.slice(1).map((w) => [w.kind, w.body])).toEqual([
      ['create', 'waiting'],
      ['update', 'final'],
    ]);
  });
});
