// The watcher's optional incident hook, from the environment (zod): MEDIC_INCIDENT_REPO
// (owner/name) with MEDIC_GITHUB_TOKEN, GITHUB_API_URL and MEDIC_INCIDENT_LABEL.
import { z } from 'zod';
import { InvalidConfigError, parseSettings } from '../core/index.js';

/** The incident hook of `medic watch` and `medic agent` (docs/configuration.md is generated from it). */
export const incidentSettingsSchema = z.object({
  MEDIC_INCIDENT_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')
    .optional()
    .describe(
      '`owner/name`: an automatic recovery that fails opens (or comments on) an incident issue there',
    ),
  MEDIC_GITHUB_TOKEN: z.string().min(1).optional().describe('the token the incident hook writes with'),
  GITHUB_API_URL: z
    .string()
    .url()
    .default('https://api.github.com')
    .describe("GitHub's API (GitHub Enterprise: `https://host/api/v3`)"),
  MEDIC_INCIDENT_LABEL: z.string().min(1).default('incident').describe("the incident issue's label"),
});
const schema = incidentSettingsSchema;

export interface IncidentSettings {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly apiUrl: string;
  readonly label: string;
}

export function incidentSettings(env: Record<string, string | undefined>): IncidentSettings | null {
  const e = parseSettings(schema, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!e.MEDIC_INCIDENT_REPO) return null;
  if (!e.MEDIC_GITHUB_TOKEN)
    throw new InvalidConfigError('MEDIC_INCIDENT_REPO is set but MEDIC_GITHUB_TOKEN is not');
  const [owner, repo] = e.MEDIC_INCIDENT_REPO.split('/') as [string, string];
  return {
    owner,
    repo,
    token: e.MEDIC_GITHUB_TOKEN,
    apiUrl: e.GITHUB_API_URL,
    label: e.MEDIC_INCIDENT_LABEL,
  };
}
