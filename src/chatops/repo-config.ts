// The repository's `.github/medic.yml`, validated with zod. A bad file becomes a message that
// names the key, which the caller posts as a comment. The file may only tighten the operator's
// policy (docs/policy.md): a value that would loosen it is ignored, and the status comment says so.
import { parse } from 'yaml';
import { z } from 'zod';
import { PERMISSIONS, type Permission, type PolicyRule, permissionRank } from '../core/index.js';

/** The most workspaces one comment may name, across all its commands, whatever a file says. */
export const MAX_TARGETS_PER_COMMENT = 10;

export const repoConfigSchema = z
  .object({
    incident_label: z.string().min(1).max(50).default('incident'),
    permission: z.enum(PERMISSIONS).optional(),
    allowed_users: z.array(z.string().min(1)).default([]),
    allowed_teams: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be org/team-slug')).default([]),
    close_on_recovery: z.boolean().default(true),
    max_targets: z.number().int().min(1).max(50).optional(),
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export const DEFAULT_CONFIG: RepoConfig = repoConfigSchema.parse({});
export const CONFIG_PATH = '.github/medic.yml';

/** A bad file: `key` names the setting (null: the file as a whole), `message` says what is wrong. */
export type ConfigLoad =
  | { readonly ok: true; readonly config: RepoConfig }
  | { readonly ok: false; readonly key: string | null; readonly message: string };

export function parseRepoConfig(text: string | null): ConfigLoad {
  if (text === null || text.trim() === '') return { ok: true, config: DEFAULT_CONFIG };
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return { ok: false, key: null, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  const parsed = repoConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const issue = parsed.error.issues[0];
  const key = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : null);
  return { ok: false, key, message: issue?.message ?? 'is invalid' };
}

/** The comment that answers a bad config file: medic's markup kept, the file's text escaped. */
export function configErrorComment(
  load: { key: string | null; message: string },
  escapeText: (s: string) => string,
): string {
  const where = load.key ? `\`${CONFIG_PATH}\`, key \`${escapeText(load.key)}\`` : `\`${CONFIG_PATH}\``;
  return `🩺 medic cannot act: ${where}: ${escapeText(load.message)}. Fix the file; nothing was run.`;
}

/** What a repository's file leaves in force under the operator's rule, and what it tried to loosen. */
export interface Effective {
  readonly permission: Permission;
  readonly maxTargets: number;
  readonly notes: readonly string[];
}

export function tighten(config: RepoConfig, rule: PolicyRule): Effective {
  const notes: string[] = [];
  let permission: Permission = rule.permission;
  if (config.permission) {
    if (permissionRank(config.permission) >= permissionRank(rule.permission)) permission = config.permission;
    else
      notes.push(
        `\`permission: ${config.permission}\` is ignored: the operator's policy requires \`${rule.permission}\``,
      );
  }
  let maxTargets = MAX_TARGETS_PER_COMMENT;
  if (config.max_targets !== undefined) {
    if (config.max_targets <= MAX_TARGETS_PER_COMMENT) maxTargets = config.max_targets;
    else
      notes.push(
        `\`max_targets: ${config.max_targets}\` is ignored: at most ${MAX_TARGETS_PER_COMMENT} per comment`,
      );
  }
  return { permission, maxTargets, notes };
}
