// Regressions and time to recover, over the real app, engine and Postgres (GitHub by nock): a
// workspace recovered by /recover (the incident closed with its timeline), broken again ten
// minutes later and healed automatically, is a regression: its incident is reopened with both
// runs linked and the time between them, the result says so, the regression event is written,
// and `medic report` counts it, with time to recover measured from the breakage first seen.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type RecoveryResult, recover, report } from '../../src/core/index.js';
import { workspacePage } from '../../src/dashboard/pages.js';
import { useRealAppWorld } from '../helpers/app-world.js';
import { TEMPLATES } from '../helpers/core-deps.js';
import { commentsOn, githubApi, permission } from '../helpers/github-nock.js';
import { issueCommentPayload } from '../helpers/webhooks.js';

const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');
const real = useRealAppWorld(
  'repos:\n  - repo: acme/platform\n    workspaces: all\nnotify:\n  - webhook: {url_env: HOOK, secret_env: HOOK_SECRET}\n    events: [regression]\n',
);
const { world } = real;

/** What the platform sees: the volume found empty, the row marked failed. */
async function breakAgain(volume: string, id: string) {
  const c = await world.docker.createContainer({
    Image: world.image,
    Cmd: ['sh', '-c', 'rm -rf /configs/* /configs/.provisioned'],
    Labels: { 'workspace-medic.test': 'regression' },
    HostConfig: { Binds: [`${volume}:/configs`] },
  });
  await c.start();
  await c.wait();
  await c.remove();
  await world.db.query("UPDATE workspaces SET status = 'failed', updated_at = now() WHERE id = $1", [id]);
}

describe('a regression', () => {
  it('reopens the incident with both runs linked, and medic report counts it', async () => {
    const ws = await world.broken();
    const { state } = githubApi();
    permission('alice', 'maintain');
    const app = await real.start(world.deps());
    await app.deliver('issue_comment', issueCommentPayload({ body: `/recover ${ws.container}` }), 'reg-1');
    await app.idle();
    expect(state.closed).toEqual([42]);
    const closing = commentsOn(state, 42).find((c) => c.includes('Closing this incident'))!;
    expect(closing).toMatch(/\| timeline \(UTC\) \| \|\n\|---\|---\|\n\| first seen \| \d{4}-/);
    expect(closing).toContain('| recovered |');
    const { rows } = await world.db.query(
      "SELECT run_id::text AS run_id FROM medic.runs WHERE workspace_id = $1 AND outcome = 'recovered'",
      [ws.id],
    );
    const first = (rows[0] as { run_id: string }).run_id;
    // Ten minutes later (its times moved back), the platform finds the volume empty again.
    await world.db.query(
      "UPDATE medic.runs SET started_at = started_at - interval '10 minutes', finished_at = finished_at - interval '10 minutes' WHERE run_id = $1",
      [first],
    );
    await breakAgain(ws.volume, ws.id);
    const healed: RecoveryResult = await recover(world.deps(), ws.container, {
      actor: 'medic-watch',
      source: 'auto',
    });
    expect(healed.outcome).toBe('recovered');
    expect(healed.regression).toMatchObject({ previousRunId: first });
    expect(healed.regression!.gapS).toBeGreaterThanOrEqual(600);
    expect(healed.detectedAt).not.toBeNull();
    expect(healed.detectedToOnlineMs).toBeGreaterThanOrEqual(0);
    await expect.poll(() => state.reopened, { timeout: 10_000 }).toEqual([42]);
    // The issue is reopened, then commented on: wait for the comment, not only the reopen.
    await expect
      .poll(() => commentsOn(state, 42).some((c) => c.includes('**regression**')), { timeout: 10_000 })
      .toBe(true);
    const reopened = commentsOn(state, 42).find((c) => c.includes('**regression**'))!;
    expect(reopened).toContain('**regression**');
    expect(reopened).toContain(first);
    expect(reopened).toContain(healed.runId);
    expect(reopened).toContain('10 minutes');
    const outbox = await world.db.query(
      "SELECT event, payload->>'runId' AS run FROM medic.outbox WHERE event = 'regression'",
    );
    expect(outbox.rows).toEqual([{ event: 'regression', run: healed.runId }]);

    const page = await workspacePage(world.deps(), '', ws.container, false);
    expect(page.html).toContain('Regressed 1 time');

    const r = await report(world.db, 24 * 3600 * 1000);
    expect(r.regressions).toBe(1);
    expect(r.timeToRecover.n).toBe(2);
    expect(r.brokeMost[0]).toMatchObject({ container: ws.container, n: 2 });
    // A failed attempt is counted apart from the breakages it did not recover.
    const missing = await world.broken({ runtime: 'nosuch' });
    expect((await recover(world.deps(), missing.container, { actor: 'alice', source: 'cli' })).outcome).toBe(
      'failed',
    );
    const after = await report(world.db, 24 * 3600 * 1000);
    expect(after.counts).toMatchObject({ breakages: 2, failed: 1 });
    // [storm] grouped by what kind of failure it was.
    expect(after.failuresByClass).toEqual([{ class: 'template_missing', n: 1 }]);
    expect(after.brokeMost.map((w) => w.container)).not.toContain(missing.container);
    const md = await promisify(execFile)('node', [BIN, 'report', '--markdown'], {
      env: { PATH: process.env.PATH, DATABASE_URL: world.url, CONFIGS_DIR: TEMPLATES },
    });
    expect(md.stdout).toMatch(
      /### 🩺 medic report: .* UTC\n\n\| \| \|\n\|---\|--:\|\n\| time to recover .* \(2 recoveries\) \|/,
    );
    expect(md.stdout).toContain('| regressions (broken again within the window) | 1 |');
    expect(md.stdout).toMatch(/\| app \| .*\|\n\| auto \| /);
    expect(md.stdout).toContain(`- \`${ws.container}\`: 2 breakages`);
    expect(md.stdout).toContain('| breakages recovered | 2 |');
    expect(md.stdout).toContain('| attempts that failed; commands refused | 1; 0 |');
    expect(md.stdout).toContain('| failures by class | template_missing 1 |');
  });
});
