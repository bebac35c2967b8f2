// The checks of `medic doctor` (commands/doctor.ts), loaded only when it runs: each stands
// alone (the database, the engine, the templates, the policy) and changes nothing.
import { existsSync } from 'node:fs';
import { createLogger, loadMedicConfig } from '../bootstrap/open-core.js';
import { asMedicError, currentPolicy, type MedicConfig, templates } from '../core/index.js';
import { currentVersion, newerSchemaError, SCHEMA_VERSION } from '../db/migrations.js';
import { openPgDatabase } from '../db/pg-database.js';
import { openPgliteDatabase } from '../db/pglite-database.js';
import { connectDocker } from '../docker/connection.js';
import { DockerRuntime } from '../docker/docker-runtime.js';
import type { CliContext } from './context.js';

export type Check = { readonly ok: boolean | 'warn'; readonly name: string; readonly detail: string };

export async function doctor(ctx: CliContext): Promise<Check[]> {
  let config: MedicConfig;
  try {
    config = loadMedicConfig({ env: ctx.env, packageRoot: ctx.packageRoot });
  } catch (error) {
    return [{ ok: false, name: 'settings', detail: asMedicError(error).message }];
  }
  const checks: Check[] = [{ ok: true, name: 'settings', detail: 'every variable parses' }];
  // The embedded database is made on first use; doctor does not make it.
  if (!config.databaseUrl && !existsSync(config.dataDir))
    checks.push(
      {
        ok: 'warn',
        name: 'database',
        detail: `embedded PGlite not created yet in ${config.dataDir}: the first command that needs it creates and migrates it`,
      },
      NO_POLICY,
    );
  else checks.push(...(await databaseChecks(config, ctx.env)));
  try {
    const runtime = DockerRuntime.connect(config, { requestTimeoutMs: 10_000, pingTimeoutMs: 10_000 });
    await runtime.ping();
    const version = await connectDocker(config, 10_000).version();
    checks.push({
      ok: true,
      name: 'engine',
      detail: `Docker Engine ${version.Version} (API ${version.ApiVersion}), /info answers`,
    });
  } catch (error) {
    checks.push(failure('engine', error));
  }
  try {
    const reports = await templates(config);
    const bad = reports.filter((r) => !r.valid && r.problem?.code !== 'SHADOWED');
    checks.push(
      bad.length === 0
        ? { ok: true, name: 'templates', detail: `${reports.length} in ${config.configsDir}, all valid` }
        : {
            ok: false,
            name: 'templates',
            detail: bad.map((r) => `${r.name}: ${r.problem?.code}`).join('; '),
          },
    );
  } catch (error) {
    checks.push(failure('templates', error));
  }
  return checks;
}

async function databaseChecks(
  config: MedicConfig,
  env: Record<string, string | undefined>,
): Promise<Check[]> {
  const out: Check[] = [];
  const logger = createLogger({ LOG_LEVEL: 'silent', ...env });
  const db = config.databaseUrl
    ? openPgDatabase(config.databaseUrl, logger, 1)
    : await openPgliteDatabase(config.dataDir);
  try {
    const version = await currentVersion(db);
    out.push(
      version === SCHEMA_VERSION
        ? {
            ok: true,
            name: 'database',
            detail: `${config.databaseUrl ? 'Postgres' : 'embedded PGlite'}, schema medic at version ${version}`,
          }
        : {
            ok: false,
            name: 'database',
            detail:
              version > SCHEMA_VERSION
                ? `${newerSchemaError(version).message}: ${newerSchemaError(version).hint}`
                : `schema medic at version ${version}, this medic needs ${SCHEMA_VERSION}: run medic migrate`,
          },
    );
    const stored = version > 0 ? await currentPolicy(db).catch(() => null) : null;
    out.push(
      stored
        ? {
            ok: true,
            name: 'policy',
            detail: `version ${stored.version} (${stored.policy.repos.length} rules), applied by ${stored.appliedBy}`,
          }
        : NO_POLICY,
    );
  } catch (error) {
    out.push(failure('database', error));
  } finally {
    await db.close().catch(() => undefined);
  }
  return out;
}

function failure(name: string, error: unknown): Check {
  const e = asMedicError(error);
  return { ok: false, name, detail: `${e.code}: ${e.message}` };
}

const NO_POLICY: Check = {
  ok: 'warn',
  name: 'policy',
  detail: 'none applied: the app and the action refuse every command (medic policy apply)',
};
