// The dashboard's settings, for `medic serve` and the app alike, parsed with zod: its token
// (at least 32 characters: it is the only thing between the network and the audit trail) and
// whether its login cookie is marked Secure behind an HTTPS proxy.
import { z } from 'zod';
import { parseSettings } from '../core/index.js';

/** The shortest MEDIC_DASHBOARD_TOKEN accepted (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 32;

/** The dashboard's settings (docs/configuration.md is generated from it). */
export const dashboardSettingsSchema = z.object({
  MEDIC_DASHBOARD_TOKEN: z
    .string()
    .trim()
    .transform((t) => t || undefined)
    .pipe(
      z
        .string()
        .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters (try: openssl rand -hex 32)`)
        .optional(),
    )
    .optional()
    .describe(
      "bearer token for `medic serve` and the app's `/medic/` (32 characters or more); unset: `medic serve` on loopback only, no dashboard in the app",
    ),
  MEDIC_DASHBOARD_SECURE: z
    .enum(['1', 'true', '0', 'false', ''])
    .optional()
    .transform((v) => v === '1' || v === 'true')
    .describe('`1` marks the login cookie Secure behind a TLS proxy (it is anyway over HTTPS)'),
});
const schema = dashboardSettingsSchema;

export interface DashboardSettings {
  /** null: no token, the dashboard answers loopback only. */
  readonly token: string | null;
  /** Mark the login cookie Secure even when the request came over plain HTTP (a TLS proxy in front). */
  readonly secureCookie: boolean;
}

export function dashboardSettings(env: Record<string, string | undefined>): DashboardSettings {
  const e = parseSettings(schema, env);
  return { token: e.MEDIC_DASHBOARD_TOKEN ?? null, secureCookie: e.MEDIC_DASHBOARD_SECURE };
}
