// The checks of `medic doctor` (commands/doctor.ts), loaded only when it runs: each stands
// alone (the database, the engine, the templates, the policy) and changes nothing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLogger, loadMedicConfig, templatesReadable, withDataKeys } from '../bootstrap/open-core.js';
import {
  asMedicError,
  currentPolicy,
  type Database,
  type MedicConfig,
  type Policy,
  type Queryable,
  sinkTarget,
  templates,
} from '../core/index.js';
import { DATA_KEY_FILE } from '../db/data-key-file.js';
import { openHeldDatabase } from '../db/embedded-client.js';
import { currentVersion, newerSchemaError, schemaVersion } from '../db/migrations.js';
import { openPgDatabase } from '../db/pg-database.js';
import { openPgliteDatabase } from '../db/pglite-database.js';
import { connectDocker } from '../docker/connection.js';
import { DockerRuntime } from '../docker/docker-runtime.js';
import { directoryTemplates } from '../templates/directory-templates.js';
import { atRestCheck } from './at-rest-check.js';
import type { Check } from './check.js';
import { choresCheck } from './chores-check.js';
import type { CliContext } from './context.js';

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
    await templatesReadable(config.configsDir);
    const reports = await templates(directoryTemplates(config.configsDir), config);
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
  let held: Database | null;
  let db: Database;
  try {
    // The embedded database may be open in another process (its own, not a holder): said as a check.
    held = config.databaseUrl ? null : await openHeldDatabase(config);
    db = config.databaseUrl
      ? openPgDatabase(config.databaseUrl, logger, 1)
      : (held ?? (await openPgliteDatabase(config.dataDir)));
  } catch (error) {
    return [failure('database', error)];
  }
  try {
    const version = await currentVersion(db);
    const wanted = schemaVersion();
    out.push(
      version === wanted
        ? {
            ok: true,
            name: 'database',
            detail: `${config.databaseUrl ? 'Postgres' : held ? `embedded PGlite (held open for every medic process until ${config.embeddedIdleS} s idle, MEDIC_EMBEDDED_IDLE_S)` : 'embedded PGlite (opened by this process alone, MEDIC_EMBEDDED_IDLE_S=0)'}, schema medic at version ${version}`,
          }
        : {
            ok: false,
            name: 'database',
            detail:
              version > wanted
                ? `${newerSchemaError(version).message}: ${newerSchemaError(version).hint}`
                : `schema medic at version ${version}, this medic needs ${wanted}: run medic migrate`,
          },
    );
    out.push(await platformTable(db, Boolean(config.databaseUrl)));
    if (version === wanted) out.push(await atRest(db, config), await choresCheck(db, new Date()));
    const stored = version > 0 ? await currentPolicy(db).catch(() => null) : null;
    out.push(stored ? policyCheck(stored.policy, stored.version, stored.appliedBy) : NO_POLICY);
    if (stored) out.push(...sinkVariables(stored.policy, env));
  } catch (error) {
    out.push(failure('database', error));
  } finally {
    await db.close().catch(() => undefined);
  }
  return out;
}

/** The platform's `workspaces` table: there, with the columns medic reads and writes, and the rights. */
async function platformTable(db: Queryable, server: boolean): Promise<Check> {
  const { rows } = await db.query(
    `SELECT column_name AS name FROM information_schema.columns
      WHERE table_name = 'workspaces' AND table_schema = ANY(current_schemas(false))`,
  );
  const has = new Set((rows as { name: string }[]).map((r) => r.name));
  const where = server ? 'this database' : 'the embedded database';
  if (has.size === 0)
    return {
      ok: false,
      name: 'workspaces',
      detail: `${where} has no \`workspaces\` table: medic reads the platform's (it does not create one on a server); point DATABASE_URL at the platform's database`,
    };
  const missing = WORKSPACE_COLUMNS.filter((c) => !has.has(c));
  if (missing.length > 0)
    return {
      ok: false,
      name: 'workspaces',
      detail: `the \`workspaces\` table lacks ${missing.join(', ')}: medic needs ${WORKSPACE_COLUMNS.join(', ')} (docs/operations.md#database-rights)`,
    };
  const { rows: rights } = await db.query(
    `SELECT has_table_privilege('workspaces', 'SELECT') AS reads,
            has_column_privilege('workspaces', 'status', 'UPDATE') AS writes`,
  );
  const r = rights[0] as { reads: boolean; writes: boolean };
  if (!r.reads || !r.writes)
    return {
      ok: false,
      name: 'workspaces',
      detail: `this role may not ${!r.reads ? 'SELECT from' : 'UPDATE status and updated_at of'} \`workspaces\`: GRANT SELECT, UPDATE (status, updated_at) ON workspaces TO <medic's role> (deploy/roles.sql)`,
    };
  return {
    ok: true,
    name: 'workspaces',
    detail: `the platform's table is there, readable, its status writable`,
  };
}

const WORKSPACE_COLUMNS = ['id', 'name', 'status', 'runtime', 'updated_at'];

/** The policy as what it holds: repository rules, API clients, notify sinks, each counted. */
function policyCheck(policy: Policy, version: number, by: string): Check {
  const n = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
  return {
    ok: true,
    name: 'policy',
    detail: `version ${version} (${n(policy.repos.length, 'repository rule')}, ${n(policy.clients.length, 'API client')}, ${n(policy.notify.length, 'notify sink')}), applied by ${by}`,
  };
}

/** Each notify sink's variables, set in this process (the app, watch and agents read the same). */
function sinkVariables(policy: Policy, env: Record<string, string | undefined>): Check[] {
  return policy.notify.map((sink, i) => {
    const t = sinkTarget(sink);
    const names = [...new Set([t.urlEnv, ...(t.secretEnv ? [t.secretEnv] : [])])];
    const unset = names.filter((v) => !env[v]?.trim());
    return unset.length === 0
      ? { ok: true, name: `notify ${i + 1}`, detail: `${names.map((v) => `$${v}`).join(' and ')} set here` }
      : {
          ok: 'warn',
          name: `notify ${i + 1}`,
          detail: `${unset.map((v) => `$${v}`).join(' and ')} unset here: set ${unset.length === 1 ? 'it' : 'them'} in every process that delivers (the app, medic watch, the agents), or its events wait undelivered`,
        };
  });
}

/** The at-rest check with this process's keys: MEDIC_DATA_KEY, else the embedded key file if made (doctor makes none). */
async function atRest(db: Queryable, config: MedicConfig): Promise<Check> {
  if (config.dataKeys || config.databaseUrl)
    return atRestCheck(db, config, config.dataKeys ? 'MEDIC_DATA_KEY' : null);
  if (!existsSync(path.join(config.dataDir, DATA_KEY_FILE))) return atRestCheck(db, config, null);
  return atRestCheck(db, await withDataKeys(config), 'medic-data.key');
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
