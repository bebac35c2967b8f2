// The repository's `.github/medic.yml`, validated with zod. A bad file becomes a message that
// names the key, which the caller posts as a comment.
import { parse } from 'yaml';
import { z } from 'zod';

export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const repoConfigSchema = z
  .object({
    incident_label: z.string().min(1).max(50).default('incident'),
    permission: z.enum(PERMISSIONS).default('write'),
    allowed_users: z.array(z.string().min(1)).default([]),
    allowed_teams: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be org/team-slug')).default([]),
    close_on_recovery: z.boolean().default(true),
    max_targets: z.number().int().min(1).max(50).default(10),
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export const DEFAULT_CONFIG: RepoConfig = repoConfigSchema.parse({});
export const CONFIG_PATH = '.github/medic.yml';

export type ConfigLoad =
  | { readonly ok: true; readonly config: RepoConfig }
  | { readonly ok: false; readonly error: string };

export function parseRepoConfig(text: string | null): ConfigLoad {
  if (text === null || text.trim() === '') return { ok: true, config: DEFAULT_CONFIG };
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return {
      ok: false,
      error: `${CONFIG_PATH} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  const parsed = repoConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const issue = parsed.error.issues[0];
  const key =
    issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'the file');
  return { ok: false, error: `${CONFIG_PATH}: \`${key}\` ${issue?.message ?? 'is invalid'}` };
}

export function permissionRank(p: string): number {
  return PERMISSIONS.indexOf(p as Permission);
}
