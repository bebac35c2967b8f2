// The action's committed bundle run as a runner runs it (node dist/index.js with INPUT_*,
// GITHUB_* and the output files), against a real container, a real Postgres, and a GitHub
// stand-in; and the contract between action.yml and the code.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_KEYS, OUTPUT_KEYS } from '../../src/action/inputs.js';
import { resultSchema } from '../../src/core/model/result.js';
import { parseHiddenResults } from '../../src/markdown/render-status.js';
import { applyTestPolicy, PLATFORM_IDS } from '../helpers/core-deps.js';
import { githubStandIn, type StandIn } from '../helpers/github-standin.js';
import { collector } from '../helpers/otlp-collector.js';
import { type TestWorld, testWorld } from '../helpers/services.js';
import { issueCommentPayload } from '../helpers/webhooks.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let world: TestWorld;
let github: StandIn;

beforeAll(async () => {
  world = await testWorld();
  await applyTestPolicy(world.db);
  github = await githubStandIn({ alice: 'admin', bob: 'read', carol: 'maintain', dave: 'write' });
});
afterAll(async () => {
  await github?.close();
  await world?.close();
});

/** GITHUB_OUTPUT's `name<<delimiter` blocks as an object. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1]!] = m[3]!;
  return out;
}

async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'medic-action-'));
  const files = { GITHUB_OUTPUT: path.join(dir, 'out'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
  await writeFile(files.GITHUB_OUTPUT, '');
  await writeFile(files.GITHUB_STEP_SUMMARY, '');
  // The runner always passes the workflow token (action.yml's default).
  const inputEnv = Object.fromEntries(
    Object.entries({ 'github-token': 'ghs_workflow', ...inputs }).map(([k, v]) => [
      `INPUT_${k.toUpperCase()}`,
      v,
    ]),
  );
  const base = {
    PATH: process.env.PATH ?? '',
    GITHUB_API_URL: github.url,
    GITHUB_REPOSITORY: 'acme/platform',
    GITHUB_REPOSITORY_ID: String(PLATFORM_IDS.repoId),
    GITHUB_REPOSITORY_OWNER_ID: String(PLATFORM_IDS.ownerId),
    GITHUB_ACTOR: 'alice',
    ...files,
  };
  let code = 0;
  let stdout = '';
  try {
    ({ stdout } = await promisify(execFile)('node', [path.join(ROOT, 'dist/index.js')], {
      env: { ...base, ...inputEnv, ...env },
      cwd: dir,
    }));
  } catch (error) {
    code = (error as { code: number }).code;
    stdout = (error as { stdout: string }).stdout;
  }
  return {
    code,
    stdout,
    outputs: parseOutputs(await readFile(files.GITHUB_OUTPUT, 'utf8')),
    summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
  };
}

describe('the action', () => {
  it('declares in action.yml exactly the inputs and outputs the code reads and sets', async () => {
    const manifest = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(manifest.inputs).sort()).toEqual([...INPUT_KEYS].sort());
    expect(Object.keys(manifest.outputs).sort()).toEqual([...OUTPUT_KEYS].sort());
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('recovers under workflow_dispatch, with outputs and a job summary', async () => {
    const ws = await world.broken();
    const run = await runAction(
      { workspace: ws.container, 'database-url': world.url, reason: 'dispatch' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).toBe(0);
    expect(run.outputs.outcome).toBe('recovered');
    const result = resultSchema.parse(JSON.parse(run.outputs.result!));
    expect(result).toMatchObject({ source: 'action', actor: 'alice', runId: run.outputs['run-id'] });
    expect(run.summary).toContain('| workspace | outcome |');
    expect(run.summary).toContain(ws.container);
    expect(await world.status(ws.id)).toBe('online');
    expect(await world.ls(ws.volume)).toContain('config.yaml');
    // The URL is registered as a secret (the runner hides the ::add-mask:: line) and never printed otherwise.
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('::add-mask::'))).toContain(`::add-mask::${world.url}`);
    expect(lines.filter((l) => !l.startsWith('::add-mask::') && l.includes('medic:medic@'))).toEqual([]);
  });

  it("with an OTLP endpoint, the run is a span in the traceparent input's trace with one span per step", async () => {
    const otlp = collector();
    try {
      const ws = await world.broken();
      const trace = '0af7651916cd43dd8448eb211c80319c';
      const caller = 'b7ad6b7169203331';
      const run = await runAction(
        { workspace: ws.container, 'database-url': world.url, traceparent: `00-${trace}-${caller}-01` },
        {
          GITHUB_EVENT_NAME: 'workflow_dispatch',
          OTEL_EXPORTER_OTLP_ENDPOINT: await otlp.url(),
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
      );
      expect(run.code).toBe(0);
      const result = resultSchema.parse(JSON.parse(run.outputs.result!));
      // The step flushes its spans before it ends: they are all there when it has exited.
      const inTrace = otlp.spans.filter((s) => s.traceId === trace);
      const span = inTrace.find((s) => s.name === 'medic recover')!;
      expect(span).toMatchObject({ parentSpanId: caller, service: 'workspace-medic-action' });
      const runId = span.attributes?.find((a) => a.key === 'medic.run_id')?.value.stringValue;
      expect(runId).toBe(result.runId);
      const steps = inTrace.filter((s) => s.parentSpanId === span.spanId);
      expect(steps.map((s) => s.name)).toEqual(result.steps.map((s) => s.name));
      expect(inTrace).toHaveLength(1 + result.steps.length);
    } finally {
      await otlp.close();
    }
  });

  it('fails the step naming the input on a traceparent that is not W3C, and changes nothing', async () => {
    const ws = await world.broken();
    const run = await runAction(
      { workspace: ws.container, 'database-url': world.url, traceparent: 'not-a-trace' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('input traceparent: must be a W3C traceparent');
    expect(await world.status(ws.id)).toBe('failed');
  });

  it('plans several workspaces with dry-run, comma separated, changing nothing', async () => {
    const a = await world.broken();
    const b = await world.broken();
    const run = await runAction(
      { workspace: `${a.container}, ${b.id}`, 'dry-run': 'true', 'database-url': world.url },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).toBe(0);
    expect(run.outputs.outcome).toBe('planned');
    expect((JSON.parse(run.outputs.result!) as unknown[]).length).toBe(2);
    expect(await world.ls(a.volume)).toEqual([]);
  });

  it("[keep] runs a dry run's plan (input plan), and with from: template writes the template over the user's files", async () => {
    const ws = await world.broken({ stray: { 'notes.txt': 'mine\n', 'skills/README.md': 'my notes\n' } });
    const env = { GITHUB_EVENT_NAME: 'workflow_dispatch' };
    const base = { workspace: ws.container, 'database-url': world.url };
    const dry = await runAction({ ...base, 'dry-run': 'true' }, env);
    const plan = resultSchema.parse(JSON.parse(dry.outputs.result!)).restore?.plan;
    expect(plan).toMatch(/^sha256:[0-9a-f]{64}$/);
    const run = await runAction({ ...base, plan: plan! }, env);
    expect(run.outputs.outcome).toBe('recovered');
    expect(await world.cat(ws.volume, 'skills/README.md')).toBe('my notes\n');
    // Again, from the template: its skills/README.md replaces the user's.
    await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1::uuid", [ws.id]);
    const forced = await runAction({ ...base, from: 'template', force: 'true', reason: 'reset' }, env);
    expect(forced.outputs.outcome).toBe('recovered');
    expect(resultSchema.parse(JSON.parse(forced.outputs.result!)).restore?.source).toBe('template');
    expect(await world.cat(ws.volume, 'skills/README.md')).not.toBe('my notes\n');
  });

  it('fails the step naming the input on a bad workspace, and changes nothing', async () => {
    const before = await world.db.query('SELECT count(*)::int AS n FROM medic.runs');
    const run = await runAction(
      { workspace: '../../etc', 'database-url': world.url },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::medic: INVALID_CONFIG: input workspace');
    expect(run.outputs.outcome).toBe('failed');
    expect(await world.db.query('SELECT count(*)::int AS n FROM medic.runs')).toEqual(before);
  });

  it('with the database down, fails the step with outcome failed and a result per target', async () => {
    const ws = await world.broken();
    const run = await runAction(
      { workspace: ws.container, 'database-url': 'postgres://medic:hunter2@127.0.0.1:1/x' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::medic: DATABASE_UNAVAILABLE');
    expect(run.outputs.outcome).toBe('failed');
    const result = resultSchema.parse(JSON.parse(run.outputs.result!));
    expect(result).toMatchObject({
      outcome: 'failed',
      source: 'action',
      error: { code: 'DATABASE_UNAVAILABLE' },
      workspace: { container: ws.container },
      steps: [],
    });
    expect(run.outputs['run-id']).toBe(result.runId);
    expect(JSON.stringify(run.outputs)).not.toContain('hunter2');
    expect(await world.ls(ws.volume)).toEqual([]);
  });

  it('fails the step when a target fails, with outcome failed', async () => {
    const ws = await world.broken({ runtime: 'nosuch' });
    const run = await runAction(
      { workspace: ws.container, 'database-url': world.url },
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
    );
    expect(run.code).toBe(1);
    expect(run.outputs.outcome).toBe('failed');
    expect(run.stdout).toContain('TEMPLATE_NOT_FOUND');
  });

  it('under issue_comment, acts as the app: status comment, reactions, incident closed', async () => {
    const ws = await world.broken();
    const event = path.join(await mkdtemp(path.join(tmpdir(), 'medic-event-')), 'event.json');
    await writeFile(
      event,
      JSON.stringify(issueCommentPayload({ body: `/recover ${ws.container}`, issue: 61 })),
    );
    const run = await runAction(
      { 'database-url': world.url, 'github-token': 'ghs_test' },
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: event },
    );
    expect(run.code).toBe(0);
    expect(run.outputs.outcome).toBe('recovered');
    const bodies = [...github.comments.values()].filter((c) => c.issue === 61);
    const [result] = parseHiddenResults(bodies[0]!.body).map((r) => resultSchema.parse(r));
    expect(result?.source).toBe('action');
    expect(github.closed).toContain(61);
    expect(github.reactions).toEqual(expect.arrayContaining(['eyes', 'rocket']));
    expect(github.unknown).toEqual([]);
    expect(await world.status(ws.id)).toBe('online');
  });

  it('under issue_comment, refuses a read-only commenter', async () => {
    const ws = await world.broken();
    const event = path.join(await mkdtemp(path.join(tmpdir(), 'medic-event-')), 'event.json');
    await writeFile(
      event,
      JSON.stringify(issueCommentPayload({ body: `/recover ${ws.container}`, issue: 62, login: 'bob' })),
    );
    const run = await runAction(
      { 'database-url': world.url, 'github-token': 'ghs_test' },
      { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: event },
    );
    // A refusal fails the step, with its code in the outputs.
    expect(run.code).not.toBe(0);
    expect(run.outputs.outcome).toBe('refused');
    expect(resultSchema.parse(JSON.parse(run.outputs.result!)).error?.code).toBe('PERMISSION_DENIED');
    expect([...github.comments.values()].find((c) => c.issue === 62)?.body).toContain('needs `write`');
    expect(await world.status(ws.id)).toBe('failed');
  });

  it('from an ungranted repository, fails the step with REPO_NOT_GRANTED and changes nothing', async () => {
    const ws = await world.broken();
    const run = await runAction(
      { workspace: ws.container, 'database-url': world.url },
      { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REPOSITORY: 'acme/ungranted' },
    );
    expect(run.code).not.toBe(0);
    expect(run.outputs.outcome).toBe('refused');
    const result = resultSchema.parse(JSON.parse(run.outputs.result!));
    expect(result).toMatchObject({
      outcome: 'refused',
      error: { code: 'REPO_NOT_GRANTED' },
      origin: { repo: 'acme/ungranted' },
    });
    expect(run.stdout).toContain('REPO_NOT_GRANTED');
    expect(await world.status(ws.id)).toBe('failed');
    expect(await world.ls(ws.volume)).toEqual([]);
  });

  it('checks the triggering actor: a re-run of a forced dispatch by a writer is refused, by a maintainer it runs', async () => {
    const ws = await world.broken({ status: 'online', stray: { 'config.yaml': 'mine\n' } });
    const inputs = { workspace: ws.container, force: 'true', 'database-url': world.url };
    const rerun = { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'carol', GITHUB_RUN_ATTEMPT: '2' };
    const byWriter = await runAction(inputs, { ...rerun, GITHUB_TRIGGERING_ACTOR: 'dave' });
    expect(byWriter.code).not.toBe(0);
    const refused = resultSchema.parse(JSON.parse(byWriter.outputs.result!));
    expect(refused).toMatchObject({
      outcome: 'refused',
      actor: 'dave',
      error: { code: 'PERMISSION_DENIED' },
    });
    expect(refused.error?.message).toContain('you have write');
    expect(await world.cat(ws.volume, 'config.yaml')).toBe('mine\n');
    // [contain] A re-run on a runner that does not say who started it borrows nobody's role.
    const byUnknown = await runAction(inputs, rerun);
    expect(byUnknown.code).not.toBe(0);
    expect(byUnknown.stdout).toMatch(/attempt 2 of this run.*acting with the lowest role, read/);
    expect(resultSchema.parse(JSON.parse(byUnknown.outputs.result!))).toMatchObject({
      outcome: 'refused',
      error: { code: 'PERMISSION_DENIED' },
    });
    expect(await world.cat(ws.volume, 'config.yaml')).toBe('mine\n');
    const byMaintainer = await runAction(inputs, { ...rerun, GITHUB_TRIGGERING_ACTOR: 'carol' });
    expect(byMaintainer.code).toBe(0);
    expect(byMaintainer.outputs.outcome).toBe('recovered');
  });

  it('[contain] a forced dispatch without an issue, under a rule that asks approval, is refused APPROVAL_REQUIRED', async () => {
    await applyTestPolicy(
      world.db,
      'repos:\n  - repo: acme/platform\n    workspaces: all\n    approval: {force: 1}\n',
    );
    try {
      const ws = await world.broken({ status: 'online', stray: { 'config.yaml': 'mine\n' } });
      const inputs = { workspace: ws.container, force: 'true', 'database-url': world.url };
      const dispatch = { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_ACTOR: 'carol' };
      const refused = await runAction(inputs, dispatch);
      expect(refused.code).not.toBe(0);
      const result = resultSchema.parse(JSON.parse(refused.outputs.result!));
      expect(result).toMatchObject({ outcome: 'refused', error: { code: 'APPROVAL_REQUIRED' } });
      expect(result.error?.message).toMatch(/asks 1 approval for --force/);
      expect(await world.cat(ws.volume, 'config.yaml')).toBe('mine\n');
      // A dry run asks nothing of anyone; the policy may exempt the action (an environment gates it).
      expect((await runAction({ ...inputs, 'dry-run': 'true' }, dispatch)).outputs.outcome).toBe('planned');
      await applyTestPolicy(
        world.db,
        'repos:\n  - repo: acme/platform\n    workspaces: all\n    approval: {force: 1, exempt: [action]}\n',
      );
      expect((await runAction(inputs, dispatch)).outputs.outcome).toBe('recovered');
    } finally {
      await applyTestPolicy(world.db);
    }
  });

  it('runs an issue_comment once: a re-run of the workflow finds the comment handled and does nothing', async () => {
    const ws = await world.broken();
    const event = path.join(await mkdtemp(path.join(tmpdir(), 'medic-event-')), 'event.json');
    await writeFile(
      event,
      JSON.stringify(issueCommentPayload({ body: `/recover ${ws.container}`, issue: 63 })),
    );
    const env = { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: event };
    const first = await runAction({ 'database-url': world.url }, env);
    expect(first.outputs.outcome).toBe('recovered');
    const runs = await world.db.query('SELECT count(*)::int AS n FROM medic.runs');
    const comments = github.comments.size;
    const again = await runAction({ 'database-url': world.url }, { ...env, GITHUB_RUN_ATTEMPT: '2' });
    expect(again.code).toBe(0);
    expect(again.summary).toContain('handled by an earlier run');
    expect(await world.db.query('SELECT count(*)::int AS n FROM medic.runs')).toEqual(runs);
    expect(github.comments.size).toBe(comments);
  });

  it('matches the repository by GITHUB_REPOSITORY_ID: one re-created under the granted name is refused', async () => {
    const ws = await world.broken();
    const run = await runAction(
      { workspace: ws.container, 'database-url': world.url },
      { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REPOSITORY_ID: '999999001' },
    );
    expect(run.outputs.outcome).toBe('refused');
    expect(resultSchema.parse(JSON.parse(run.outputs.result!)).error?.code).toBe('REPO_NOT_GRANTED');
    expect(await world.ls(ws.volume)).toEqual([]);
  });
});
