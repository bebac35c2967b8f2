// What the fleet's process-level tests share: waiting for an agent to serve its engine,
// delivering a signed /recover to app replicas, and reading back what the fleet recorded
// (placements, tasks, runs, the issue's comment).
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { expect } from 'vitest';
import type { Database } from '../../src/core/model/ports.js';
import type { StandIn } from './github-standin.js';
import { type Proc, type Replica, startAgent } from './processes.js';
import { issueCommentPayload, signedHeaders } from './webhooks.js';

/** Polls `check` until it holds (beforeAll cannot use expect.poll); a check that throws ends the wait. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `medic agent --engine <engine>`, resolved once it has registered and says it serves its
 * engine (queue and event stream started): a container made before then is placed only by
 * its next listing.
 */
export async function agentUp(
  db: Database,
  engine: string,
  env: { readonly DATABASE_URL: string; readonly DOCKER_HOST: string } & Record<string, string>,
  args: readonly string[] = ['--no-heal'],
): Promise<Proc> {
  const agent = startAgent(engine, env, args);
  await until(`agent ${engine} registered`, 30_000, async () => {
    if (agent.child.exitCode !== null) throw new Error(`agent ${engine} exited:\n${agent.output()}`);
    const { rows } = await db.query(
      'SELECT agent FROM medic.engines WHERE name = $1 AND stopped_at IS NULL',
      [engine],
    );
    return (rows[0] as { agent: string } | undefined)?.agent.endsWith(`:${agent.child.pid}`) ?? false;
  });
  await until(`agent ${engine} serving`, 30_000, async () =>
    agent.output().includes('medic: agent for engine'),
  );
  await new Promise((r) => setTimeout(r, 300));
  return agent;
}

export async function placementOf(db: Database, container: string): Promise<string | null> {
  const { rows } = await db.query('SELECT engine FROM medic.placements WHERE container = $1', [container]);
  return (rows[0] as { engine: string } | undefined)?.engine ?? null;
}

export interface TaskRow {
  readonly engine: string;
  readonly state: string;
  readonly attempts: number;
  readonly worker: string;
}

export async function tasksOf(db: Database, target: string): Promise<TaskRow[]> {
  const { rows } = await db.query(
    'SELECT engine, state, attempts, worker FROM medic.tasks WHERE target = $1 ORDER BY id',
    [target],
  );
  return rows as TaskRow[];
}

export async function recoveredRuns(db: Database, workspaceId: string): Promise<number> {
  const { rows } = await db.query(
    "SELECT 1 FROM medic.runs WHERE workspace_id = $1 AND command = 'recover' AND outcome = 'recovered'",
    [workspaceId],
  );
  return rows.length;
}

/** Resolves once the task for `target` is running and has stored its `step` (the moment to inject a fault). */
export async function taskReached(
  db: Database,
  target: string,
  step: string,
  timeoutMs = 20_000,
): Promise<void> {
  await until(`the task for ${target} past its ${step} step`, timeoutMs, async () => {
    const { rows } = await db.query(
      `SELECT 1 FROM medic.tasks WHERE target = $1 AND state = 'running' AND steps @> $2::jsonb`,
      [target, JSON.stringify([{ name: step }])],
    );
    return rows.length === 1;
  });
}

/**
 * Posts a signed `/recover` on issue `issue` to replica `first`, and the same delivery
 * (GitHub's redelivery) to `second` when given.
 */
export async function deliverRecover(
  replicas: readonly Replica[],
  secret: string,
  o: {
    readonly targets: readonly string[];
    readonly issue: number;
    readonly first: number;
    readonly second?: number;
  },
): Promise<void> {
  const body = JSON.stringify(
    issueCommentPayload({ body: `/recover ${o.targets.join(' ')}`, issue: o.issue }),
  );
  const delivery = randomUUID();
  const post = (r: Replica) =>
    fetch(`http://127.0.0.1:${r.port}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: signedHeaders('issue_comment', delivery, body, secret),
    }).then((res) => res.status);
  const to = o.second === undefined ? [o.first] : [o.first, o.second];
  const statuses = await Promise.all(to.map((i) => post(replicas[i]!)));
  expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);
}

/** The issue's comments once one carries the result, joined. */
export async function resultOf(gh: StandIn, issue: number, timeout = 60_000): Promise<string> {
  await expect.poll(() => gh.resultAt.has(issue), { timeout, interval: 100 }).toBe(true);
  return [...gh.comments.values()]
    .filter((c) => c.issue === issue)
    .map((c) => c.body)
    .join('\n---\n');
}

/** What a volume holds, read on the engine that has it (reading it elsewhere would create it there). */
export async function lsOn(docker: Docker, image: string, volume: string): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += d;
  });
  const [, container] = await docker.run(image, ['ls', '-A', '-1', '/c'], [out, out], {
    HostConfig: { Binds: [`${volume}:/c:ro`], NetworkMode: 'none' },
  });
  await (container as Docker.Container).remove({ force: true });
  return text.split(/\s+/).filter(Boolean); // docker.run gives the container a terminal
}
