// The operator's policy: which repository may act on which workspaces, and with which
// permission. Validated with zod; the file is YAML or JSON. A rule names repositories by
// `owner/name` (or a pattern), but grants are pinned to GitHub's numeric ids when the policy
// is applied (resolution.ts), so a name that is created or re-created later is not granted.
// The first rule that matches decides. A repository's own .github/medic.yml may only tighten it.
import { z } from 'zod';
import { parseTarget } from '../model/names.js';
import { PERMISSIONS, permissionRank } from '../model/permissions.js';
import { restoreOverrideSchema, restoreSchema } from '../model/restore-policy.js';
import { autohealSchema } from './autoheal.js';
import { describeSink, EVENTS, PAGER_EVENTS } from './sinks.js';

const REPO_PATTERN = /^[A-Za-z0-9_.*-]+\/[A-Za-z0-9_.*-]+$/;

const atLeast = (floor: (typeof PERMISSIONS)[number]) =>
  z
    .enum(PERMISSIONS)
    .refine((p) => permissionRank(p) >= permissionRank(floor), { message: `may not be below ${floor}` });

const selectorSchema = z
  .object({
    names: z.array(z.string().min(1)).min(1).optional(),
    runtimes: z.array(z.string().min(1)).min(1).optional(),
    ids: z
      .array(
        z.string().refine(
          (t) => {
            try {
              parseTarget(t);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'must be a target as the CLI takes it: ws-<id12> or a uuid' },
        ),
      )
      .min(1)
      .optional(),
  })
  .strict()
  .refine((s) => s.names || s.runtimes || s.ids, {
    message: 'a selector names at least one of names, runtimes, ids',
  });

const githubId = z.number().int().positive();

const ruleSchema = z
  .object({
    repo: z.string().regex(REPO_PATTERN, "must be owner/name; '*' matches within a part"),
    /** The repository's GitHub id, for an exact `repo`: pinned without asking GitHub. */
    id: githubId.optional(),
    /** The owner's GitHub id, for `new_repositories` without asking GitHub. */
    owner_id: githubId.optional(),
    /** Keep matching repositories of the owner created after the policy was applied. */
    new_repositories: z.boolean().default(false),
    workspaces: z.union([z.literal('all'), selectorSchema]),
    permission: atLeast('write').default('write'),
    elevated: atLeast('maintain').default('maintain'),
    /** Approvals by other people (with the elevated role) before an elevated command runs. */
    approval: z
      .object({
        rollback: z.number().int().min(1).max(5).optional(),
        force: z.number().int().min(1).max(5).optional(),
        /** Doors whose commands need no approval here (`action`: the workflow has a GitHub environment of its own). */
        exempt: z.array(z.enum(['action'])).default([]),
      })
      .strict()
      .optional(),
    /** [keep] What this repository's recoveries restore (over the policy's `restore:`). */
    restore: restoreOverrideSchema.optional(),
  })
  .strict()
  .refine((r) => r.id === undefined || !r.repo.includes('*'), {
    message: '`id` pins one repository: the rule must name it exactly (owner/name, no *)',
    path: ['id'],
  })
  .refine((r) => (r.owner_id === undefined && !r.new_repositories) || !r.repo.split('/')[0]!.includes('*'), {
    message:
      '`owner_id` and `new_repositories` need an exact owner in `repo` (acme/team-a-*, not */team-a-*)',
    path: ['repo'],
  });

/** What an HTTP API client may ask for: rollback and --force only when listed. */
export const CLIENT_ABILITIES = ['recover', 'diagnose', 'rollback', 'force'] as const;
export type ClientAbility = (typeof CLIENT_ABILITIES)[number];

const clientSchema = z
  .object({
    /** Shown as the actor of its runs (source `api`); `medic token create <name>` gives it tokens. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'must be 1-63 letters, digits, . _ -'),
    workspaces: z.union([z.literal('all'), selectorSchema]),
    may: z.array(z.enum(CLIENT_ABILITIES)).min(1).default(['recover', 'diagnose']),
    /** [keep] What this client's recoveries restore (over the policy's `restore:`). */
    restore: restoreOverrideSchema.optional(),
  })
  .strict();

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable (A-Z, 0-9, _)');
const sinkBase = {
  events: z.array(z.enum(EVENTS)).min(1),
  workspaces: selectorSchema.optional(),
  /** [storm] Told only of what went wrong: no `recovery.succeeded`, whatever `events` lists. */
  failures_only: z.boolean().default(false),
};
const pagerBase = {
  ...sinkBase,
  events: z
    .array(z.enum(EVENTS))
    .min(1)
    .default([...PAGER_EVENTS]),
  /** PagerDuty's severity (Opsgenie's priority follows it: critical P1 … info P5). */
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('error'),
  component: z.string().min(1).max(100).optional(),
  group: z.string().min(1).max(100).optional(),
};
const notifySchema = z.union([
  z.object({ slack: z.object({ url_env: envName }).strict(), ...sinkBase }).strict(),
  z.object({ webhook: z.object({ url_env: envName, secret_env: envName }).strict(), ...sinkBase }).strict(),
  z
    .object({
      pagerduty: z.object({ routing_key_env: envName, url_env: envName.optional() }).strict(),
      ...pagerBase,
    })
    .strict(),
  z
    .object({
      opsgenie: z.object({ api_key_env: envName, url_env: envName.optional() }).strict(),
      ...pagerBase,
    })
    .strict(),
]);

export const policySchema = z
  .object({
    repos: z.array(ruleSchema).default([]),
    clients: z.array(clientSchema).default([]),
    notify: z.array(notifySchema).default([]),
    /** [pager] The runbook for a workspace: its runtime's, else `default`; linked from every message. */
    runbooks: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i), z.string().url()).default({}),
    /** [storm] How the automatic paths (watch, agents, sweep) hold back. */
    autoheal: autohealSchema,
    /** [keep] What an emptied volume is filled from: its last good copy within max_age, else the template. */
    restore: restoreSchema,
  })
  .strict()
  .refine((p) => new Set(p.clients.map((c) => c.name.toLowerCase())).size === p.clients.length, {
    message: 'two clients have the same name',
    path: ['clients'],
  });
export type Policy = z.infer<typeof policySchema>;
export type PolicyClient = Policy['clients'][number];
export type NotifySink = Policy['notify'][number];
export type PolicyRule = Policy['repos'][number];
export type Selector = Exclude<PolicyRule['workspaces'], 'all'>;

/** Whether a rule's `repo` fits `owner/name` by name alone (case-insensitive, `*` within a part). */
export function repoFits(rule: Pick<PolicyRule, 'repo'>, repo: string): boolean {
  return globMatch(rule.repo, repo, '[^/]*');
}

/** Whether a rule names one repository exactly (no pattern). */
export function isExact(rule: Pick<PolicyRule, 'repo'>): boolean {
  return !rule.repo.includes('*');
}

/** Whether a rule's selector takes this workspace: every key given must match. */
export function selects(
  rule: Pick<PolicyRule, 'workspaces'>,
  workspace: { readonly id: string; readonly name: string | null; readonly runtime: string | null },
): boolean {
  const s = rule.workspaces;
  if (s === 'all') return true;
  if (s.names && !s.names.some((g) => globMatch(g, workspace.name ?? '', '.*'))) return false;
  if (s.runtimes && !s.runtimes.includes(workspace.runtime ?? '')) return false;
  if (s.ids && !s.ids.some((t) => idMatches(t, workspace.id))) return false;
  return true;
}

/** One line per rule: what each repository may do (what `medic policy apply` prints). */
export function describePolicy(policy: Policy): string[] {
  const repos =
    policy.repos.length === 0
      ? ['no repository may act (an empty policy refuses every command from GitHub)']
      : policy.repos.map((r) => {
          const later = r.new_repositories ? ' (and repositories created later that fit it)' : '';
          const a = r.approval;
          const needed = a
            ? [...(a.rollback ? [`/rollback ${a.rollback}`] : []), ...(a.force ? [`--force ${a.force}`] : [])]
            : [];
          const exempt = a && a.exempt.length > 0 ? ` (none from the ${a.exempt.join(', ')})` : '';
          const approval = needed.length > 0 ? `; approvals needed: ${needed.join(', ')}${exempt}` : '';
          return `${r.repo}${later}: /recover and /diagnose with ${r.permission} or more, --force and /rollback with ${r.elevated} or more, on ${describeSelector(r.workspaces)}${approval}`;
        });
  const clients = policy.clients.map(
    (c) => `API client ${c.name}: ${c.may.join(', ')} on ${describeSelector(c.workspaces)}`,
  );
  const sinks = policy.notify.map(
    (n, i) =>
      `notify sink ${i + 1}: ${describeSink(n)} on ${n.events.join(', ')}${n.workspaces ? ` for ${describeSelector(n.workspaces)}` : ''}`,
  );
  const a = policy.autoheal;
  const autoheal = `automatic heals: a workspace broken again ${a.flapping_after} times within MEDIC_REGRESSION_WINDOW of a recovery is flapping, left to a person`;
  const breaker =
    a.max_unhealthy === '100%'
      ? `breaker: off (max_unhealthy 100%); more than ${a.canary} broken at once in a ${a.scope} heal in waves from ${a.canary}, paused when over ${a.max_failure_ratio} of a wave fails`
      : `breaker: per ${a.scope}, opens when more than ${a.max_unhealthy} are broken at once, closes after ${a.close_after} under it; more than ${a.canary} broken heal in waves from ${a.canary}, paused when over ${a.max_failure_ratio} of a wave fails`;
  return [...repos, ...clients, ...sinks, autoheal, breaker];
}

function describeSelector(s: PolicyRule['workspaces']): string {
  if (s === 'all') return 'every workspace';
  return [
    s.names ? `names ${s.names.map((n) => JSON.stringify(n)).join(', ')}` : null,
    s.runtimes ? `runtimes ${s.runtimes.join(', ')}` : null,
    s.ids ? `ids ${s.ids.join(', ')}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
}

function idMatches(target: string, id: string): boolean {
  const t = parseTarget(target);
  return t.exact ? t.idPrefix === id.toLowerCase() : id.toLowerCase().startsWith(t.idPrefix);
}

function globMatch(glob: string, text: string, star: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join(star);
  return new RegExp(`^${pattern}$`, 'i').test(text);
}

export { EVENTS, type MedicEvent, PAGER_EVENTS, runbookFor, type SinkKind, sinkTarget } from './sinks.js';
