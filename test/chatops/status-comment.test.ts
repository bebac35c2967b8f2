// The status comment: created once, edits coalesced (at most one in flight, never closer than
// the interval), the final body always written, and a failed edit never failing the run.
import { describe, expect, it } from 'vitest';
import { StatusComment } from '../../src/chatops/status-comment.js';
import { silentLogger } from '../../src/core/index.js';
import type { GitHubPort } from '../../src/github/github-port.js';
import { unpaced } from '../helpers/github-nock.js';

const settled = () => new Promise((r) => setTimeout(r, 5));

function recordingPort(overrides: Partial<GitHubPort> = {}) {
  const writes: Array<{ kind: 'create' | 'update'; body: string; at: number }> = [];
  const port: GitHubPort = {
    owner: 'acme',
    repo: 'platform',
    react: async () => {},
    createComment: async (_issue, body) => {
      writes.push({ kind: 'create', body, at: Date.now() });
      return 1;
    },
    updateComment: async (_id, body) => {
      writes.push({ kind: 'update', body, at: Date.now() });
    },
    closeIssue: async () => {},
    createIssue: async () => 1,
    findOpenIssue: async () => null,
    permissionOf: async () => 'write',
    isTeamMember: async () => false,
    readFile: async () => null,
    ...overrides,
  };
  return { port, writes };
}

/** A status comment on issue 42 through `github`, unpaced, editing at most every `intervalMs`. */
const statusOn = (github: GitHubPort, intervalMs: number) =>
  new StatusComment({ github, writes: unpaced(), issue: 42, logger: silentLogger, intervalMs });

describe('StatusComment', () => {
  it('coalesces a burst of updates into few edits and ends with the final body', async () => {
    const { port, writes } = recordingPort();
    const status = statusOn(port, 50);
    status.open('v0');
    await settled();
    for (let i = 1; i <= 20; i++) status.update(`v${i}`);
    await status.finish('final');
    expect(writes[0]).toMatchObject({ kind: 'create', body: 'v0' });
    expect(writes.at(-1)).toMatchObject({ kind: 'update', body: 'final' });
    expect(writes.length).toBeLessThanOrEqual(4);
  });

  it('spaces edits at least the interval apart', async () => {
    const { port, writes } = recordingPort();
    const status = statusOn(port, 80);
    status.open('v0');
    await settled();
    status.update('v1');
    await new Promise((r) => setTimeout(r, 20));
    status.update('v2');
    await new Promise((r) => setTimeout(r, 200));
    const edits = writes.filter((w) => w.kind === 'update');
    expect(edits.map((e) => e.body)).toEqual(['v2']);
    expect(edits[0]!.at - writes[0]!.at).toBeGreaterThanOrEqual(75);
  });

  it('when the first comment could not be posted, posts the final body as a new one', async () => {
    let failFirst = true;
    const { port, writes } = recordingPort();
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
    const status = statusOn(flaky, 0);
    status.open('v0');
    await settled();
    status.update('v1');
    await status.finish('final');
    expect(writes).toEqual([expect.objectContaining({ kind: 'create', body: 'final' })]);
  });

  it('logs a failed edit and goes on', async () => {
    const { port, writes } = recordingPort({
      updateComment: async () => {
        throw new Error('502');
      },
    });
    const status = statusOn(port, 0);
    status.open('v0');
    await settled();
    status.update('v1');
    await new Promise((r) => setTimeout(r, 20));
    await expect(status.finish('final')).rejects.toThrow('502');
    expect(writes).toHaveLength(1);
  });

  it('posts nothing before its grace ends: a command that ends sooner posts its result alone', async () => {
    const { port, writes } = recordingPort();
    const quick = new StatusComment({
      github: port,
      writes: unpaced(),
      issue: 42,
      logger: silentLogger,
      intervalMs: 0,
      graceMs: 200,
    });
    quick.open('waiting');
    await new Promise((r) => setTimeout(r, 50));
    await quick.finish('final');
    expect(writes).toEqual([expect.objectContaining({ kind: 'create', body: 'final' })]);
    const slow = new StatusComment({
      github: port,
      writes: unpaced(),
      issue: 43,
      logger: silentLogger,
      intervalMs: 0,
      graceMs: 30,
    });
    slow.open('waiting');
    await new Promise((r) => setTimeout(r, 120));
    await slow.finish('final');
    expect(writes.slice(1).map((w) => [w.kind, w.body])).toEqual([
      ['create', 'waiting'],
      ['update', 'final'],
    ]);
  });
});
