// The watcher's optional incident hook, from the environment (zod): MEDIC_INCIDENT_REPO
// (owner/name) with MEDIC_GITHUB_TOKEN, GITHUB_API_URL and MEDIC_INCIDENT_LABEL.
import { z } from 'zod';
import { InvalidConfigError, parseSettings } from '../core/index.js';

const schema = z.object({
  MEDIC_INCIDENT_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')
    .optional(),
  MEDIC_GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  MEDIC_INCIDENT_LABEL: z.string().min(1).default('incident'),
});

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
