// The action: under workflow_dispatch it recovers (or plans) the named workspaces; under
// issue_comment it behaves as the app does for that comment. Either way it sets the outputs,
// writes the job summary, and fails the step when a target failed.
import { readFile } from 'node:fs/promises';
import * as actions from '@actions/core';
import { openCore, packageRootFrom } from '../bootstrap/open-core.js';
import { type ChatOpsDeps, handleComment } from '../chatops/handle-comment.js';
import { runCommand } from '../chatops/run-command.js';
import type { CoreDeps, Logger, RecoveryResult } from '../core/index.js';
import {
  asMedicError,
  InvalidConfigError,
  type MedicError,
  recoverMany,
  systemClock,
  unstartedResult,
} from '../core/index.js';
import { type GitHubPort, octokitPort } from '../github/github-port.js';
import { restOctokit } from '../github/octokit-client.js';
import { commentEventFrom } from '../github/webhook-payloads.js';
import { WritePacer } from '../github/write-pacer.js';
import { claimComment } from './comment-claim.js';
import { type ActionInputs, dispatchLine, OUTPUT_KEYS, readInputs } from './inputs.js';
import { failures, outputsFor, summaryMarkdown } from './outputs.js';

const log: Logger = {
  debug: (o, m) => actions.debug(`${m ?? ''} ${JSON.stringify(o)}`),
  info: (o, m) => actions.info(`${m ?? ''} ${JSON.stringify(o)}`),
  warn: (o, m) => actions.warning(`${m ?? ''} ${JSON.stringify(o)}`),
  error: (o, m) => actions.error(`${m ?? ''} ${JSON.stringify(o)}`),
};

export async function run(env: Record<string, string | undefined> = process.env): Promise<void> {
  let core: CoreDeps | undefined;
  let targets: readonly string[] = [];
  try {
    const inputs = readInputs(env);
    if (env.GITHUB_EVENT_NAME !== 'issue_comment') targets = inputs.workspace;
    if (inputs['github-token']) actions.setSecret(inputs['github-token']);
    const databaseUrl = inputs['database-url'] || env.DATABASE_URL || '';
    if (!databaseUrl) {
      throw new InvalidConfigError(
        'input database-url: required (the platform database that holds `workspaces`)',
      );
    }
    actions.setSecret(databaseUrl);
    core = await openCore({
      env: {
        ...env,
        DATABASE_URL: databaseUrl,
        CONFIGS_DIR: inputs['configs-dir'] || env.CONFIGS_DIR,
        DOCKER_HOST: inputs['docker-host'] || env.DOCKER_HOST,
      },
      packageRoot: packageRootFrom(import.meta.url),
      logger: log,
    });
    core = await withTracer(core, env);
    const { title, results } =
      env.GITHUB_EVENT_NAME === 'issue_comment'
        ? await onComment(core, inputs, env)
        : await onDispatch(core, inputs, env);
    setOutputs(results);
    await actions.summary.addRaw(summaryMarkdown(title, results)).write();
    const failed = failures(results);
    if (failed.length > 0) actions.setFailed(`medic: ${failed.join('; ')}`);
  } catch (error) {
    const e = asMedicError(error);
    if (!core) setUnstartedOutputs(targets, e, env);
    actions.setFailed(`medic: ${e.code}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  } finally {
    await core?.tracer?.flush();
    await core?.db.close().catch(() => undefined);
  }
}

/**
 * With an OTLP endpoint in the step's env (the standard OTEL_* variables), each run is a span
 * (in the `traceparent` input's trace when given) with one span per step; without one, the
 * OpenTelemetry SDK is not evaluated.
 */
async function withTracer(core: CoreDeps, env: Record<string, string | undefined>): Promise<CoreDeps> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return core;
  const tracer = await (await import('../metrics/tracing.js')).openTracer(env, 'workspace-medic-action');
  return tracer ? { ...core, tracer } : core;
}

/**
 * When the step fails before any run could begin (a bad input, the database or engine down),
 * `outcome` still says `failed`, so a later step's `if:` sees it; with the targets known, each
 * gets a result carrying the error's code, as `medic recover --json` prints.
 */
function setUnstartedOutputs(
  targets: readonly string[],
  error: MedicError,
  env: Record<string, string | undefined>,
): void {
  const options = { actor: actorOf(env), source: 'action' as const };
  const results = targets.map((t) =>
    unstartedResult({ command: 'recover', input: t, options: options, error: error, at: new Date() }),
  );
  if (results.length === 0) {
    actions.setOutput('outcome', 'failed');
    return;
  }
  setOutputs(results);
}

/**
 * Who acts: the triggering actor (who started this attempt: on a re-run, whoever clicked
 * re-run), whose role is checked and who is on the record. GITHUB_ACTOR is the first
 * attempt's actor, and a re-run must not borrow their role.
 */
function actorOf(env: Record<string, string | undefined>): string {
  return env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || 'github-actions';
}

/**
 * A re-run (GITHUB_RUN_ATTEMPT > 1) on a runner that does not say who started it: GITHUB_ACTOR
 * is the first attempt's actor, whose role the re-run must not borrow. It acts with the lowest
 * role (read), and says so.
 */
export function unknownRerun(env: Record<string, string | undefined>): number | null {
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
  return !env.GITHUB_TRIGGERING_ACTOR && Number.isInteger(attempt) && attempt > 1 ? attempt : null;
}

/** The repository's GitHub ids as the runner gives them: what the operator's policy matches. */
function idsOf(env: Record<string, string | undefined>): { repoId: number | null; ownerId: number | null } {
  const id = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);
  return { repoId: id(env.GITHUB_REPOSITORY_ID), ownerId: id(env.GITHUB_REPOSITORY_OWNER_ID) };
}

function setOutputs(results: readonly RecoveryResult[]): void {
  const outputs = outputsFor(results);
  for (const key of OUTPUT_KEYS) actions.setOutput(key, outputs[key]);
}

async function onDispatch(core: CoreDeps, inputs: ActionInputs, env: Record<string, string | undefined>) {
  if (inputs.workspace.length === 0)
    throw new InvalidConfigError('input workspace: name at least one ws-<id12> or uuid');
  const actor = actorOf(env);
  const line = dispatchLine(inputs);
  const issue = inputs['issue-number'] ? Number(inputs['issue-number']) : null;
  // The operator's policy holds for a dispatch too: the repository is the workflow's, the role
  // the one its actor holds there.
  const [owner, name] = repoOf(env);
  const github = octokitPort(client(inputs, env), owner, name);
  const repo = `${owner}/${name}`;
  const rerun = unknownRerun(env);
  if (rerun !== null) {
    actions.warning(
      `attempt ${rerun} of this run, and the runner does not say who re-ran it (GITHUB_TRIGGERING_ACTOR is unset): acting with the lowest role, read`,
    );
  }
  const grant = {
    repo,
    ...idsOf(env),
    role: rerun !== null ? 'read' : await github.permissionOf(actor),
    origin: { repo, issue, comment: null },
  };
  const run = {
    dryRun: inputs['dry-run'],
    force: inputs.force,
    reason: inputs.reason || null,
    ...(inputs.from ? { from: inputs.from } : {}),
    ...(inputs.plan ? { plan: inputs.plan } : {}),
  };
  if (issue !== null) {
    const deps = { ...chatOpsDeps(core, github, env, inputs) };
    const command = { kind: 'recover' as const, targets: inputs.workspace, ...run };
    return {
      title: line,
      results: (await runCommand({ deps, issue, actor, grant, notes: [] }, command, line)).results,
    };
  }
  const results = await recoverMany(core, inputs.workspace, {
    ...run,
    ...(inputs.traceparent ? { traceparent: inputs.traceparent } : {}),
    actor,
    source: 'action',
    grant,
    onTarget: (target) => (s) => actions.info(`${target}: ${s.status} ${s.name} (${s.ms} ms) ${s.detail}`),
  });
  return { title: line, results };
}

async function onComment(core: CoreDeps, inputs: ActionInputs, env: Record<string, string | undefined>) {
  if (!env.GITHUB_EVENT_PATH)
    throw new InvalidConfigError('GITHUB_EVENT_PATH is unset: run this under issue_comment');
  const located = commentEventFrom(JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')));
  if (located.action !== 'created') return { title: `comment ${located.action}: ignored`, results: [] };
  // The runner's ids, not the payload's, are what the policy matches.
  const ids = idsOf(env);
  const event = {
    ...located.event,
    repository: {
      id: ids.repoId ?? located.event.repository?.id ?? null,
      ownerId: ids.ownerId ?? located.event.repository?.ownerId ?? null,
    },
  };
  // One comment runs once, whatever re-runs of the workflow follow (as the app keys its jobs).
  const key = `${event.repository.id ?? `${located.owner}/${located.repo}`}:${event.comment.id}`;
  if (!(await claimComment(core.db, key, env.GITHUB_RUN_ID ?? null))) {
    return { title: `comment ${event.comment.id} was handled by an earlier run: ignored`, results: [] };
  }
  const github = octokitPort(client(inputs, env), located.owner, located.repo);
  const outcome = await handleComment(chatOpsDeps(core, github, env, inputs), event);
  return {
    title: outcome.handled ? 'comment command' : `comment ignored: ${outcome.why}`,
    results: [...outcome.results],
  };
}

function chatOpsDeps(
  core: CoreDeps,
  github: GitHubPort,
  env: Record<string, string | undefined>,
  inputs: ActionInputs,
): ChatOpsDeps {
  const maxAge = Number(env.MEDIC_COMMENT_MAX_AGE_S ?? 3600);
  return {
    core,
    github,
    logger: log,
    source: 'action',
    editIntervalMs: 1000,
    // One command per job: GitHub's one write a second is the only pacing it needs.
    writes: new WritePacer({ gapMs: 1000, perMinute: 80, clock: systemClock }),
    commentMaxAgeS: Number.isInteger(maxAge) && maxAge > 0 ? maxAge : 3600,
    ...(inputs.traceparent ? { traceparent: inputs.traceparent } : {}),
  };
}

function client(inputs: ActionInputs, env: Record<string, string | undefined>) {
  const token = inputs['github-token'] || env.GITHUB_TOKEN;
  if (!token)
    throw new InvalidConfigError('input github-token: required (the role of the actor is read from GitHub)');
  return restOctokit(token, env.GITHUB_API_URL ?? 'https://api.github.com', (m) => actions.warning(m));
}

function repoOf(env: Record<string, string | undefined>): [string, string] {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new InvalidConfigError('GITHUB_REPOSITORY is unset or not owner/name');
  return [owner, repo];
}
