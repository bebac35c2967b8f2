// The fleet's map, in Postgres: each engine's agent and its heartbeat, and where each ws-*
// container lives (placements). Agents write it; the app and `medic status` read it.
import { z } from 'zod';
import { InvalidConfigError, type Queryable } from '../core/index.js';

/** An agent that has not heartbeated for this long is taken for gone. */
export const HEARTBEAT_S = 2;
export const ALIVE_S = 10;

export async function registerEngine(
  db: Queryable,
  engine: { readonly name: string; readonly agent: string; readonly dockerVersion: string | null },
): Promise<void> {
  await db
    .query(
      `INSERT INTO medic.engines (name, agent, started_at, heartbeat_at, docker_version, stopped_at)
       VALUES ($1, $2, now(), now(), $3, NULL)
       ON CONFLICT (name) DO UPDATE SET agent = $2, started_at = now(), heartbeat_at = now(),
         docker_version = $3, stopped_at = NULL`,
      [engine.name, engine.agent, engine.dockerVersion],
    )
    .catch(async (error: unknown) => {
      // 42501: row-level security (deploy/roles.sql) keeps this login role off the engine.
      if ((error as { code?: unknown }).code !== '42501') throw error;
      const { rows } = await db.query('SELECT current_user AS role');
      const role = String((rows[0] as { role: unknown }).role);
      throw new InvalidConfigError(`the database role ${role} may not serve engine "${engine.name}"`, {
        hint: `as the schema's owner: INSERT INTO medic.engine_roles (engine, role) VALUES ('${engine.name}', '${role}')`,
      });
    });
}

export async function heartbeatEngine(db: Queryable, name: string, agent: string): Promise<void> {
  await db.query(
    'UPDATE medic.engines SET heartbeat_at = now(), agent = $2, stopped_at = NULL WHERE name = $1',
    [name, agent],
  );
}

/** The agent left on purpose: its engine is not alive from now on (unless another agent serves it). */
export async function engineStopped(db: Queryable, name: string, agent: string): Promise<void> {
  await db.query('UPDATE medic.engines SET stopped_at = now() WHERE name = $1 AND agent = $2', [name, agent]);
}

/** SQL: whether the engine row `alias` has a live agent (heartbeat within ALIVE_S, not stopped). */
export const aliveSql = (alias: string) =>
  `(${alias}.stopped_at IS NULL AND ${alias}.heartbeat_at > now() - make_interval(secs => ${ALIVE_S}))`;

/** The engine a container was last seen on, or null. */
export async function placementOf(db: Queryable, container: string): Promise<string | null> {
  const { rows } = await db.query('SELECT engine FROM medic.placements WHERE container = $1', [container]);
  return z.array(z.object({ engine: z.string() })).parse(rows)[0]?.engine ?? null;
}

export interface SeenContainer {
  readonly name: string;
  readonly id: string;
}

export async function place(db: Queryable, engine: string, seen: SeenContainer): Promise<void> {
  await db.query(
    `INSERT INTO medic.placements (container, engine, container_id, seen_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (container) DO UPDATE SET engine = $2, container_id = $3, seen_at = now()`,
    [seen.name, engine, seen.id],
  );
}

/** The container left this engine (destroyed, or renamed away); another engine's claim stays. */
export async function unplace(db: Queryable, engine: string, container: string): Promise<void> {
  await db.query('DELETE FROM medic.placements WHERE container = $1 AND engine = $2', [container, engine]);
}

/** What an engine holds now, whole: every container seen is placed there, the rest of its rows go. */
export async function syncPlacements(
  db: Queryable,
  engine: string,
  seen: readonly SeenContainer[],
): Promise<void> {
  for (const c of seen) await place(db, engine, c);
  await db.query('DELETE FROM medic.placements WHERE engine = $1 AND NOT (container = ANY($2::text[]))', [
    engine,
    seen.map((c) => c.name),
  ]);
}

/** Of these containers, the ones placed on this engine. */
export async function placedOn(
  db: Queryable,
  engine: string,
  containers: readonly string[],
): Promise<Set<string>> {
  const { rows } = await db.query(
    'SELECT container FROM medic.placements WHERE engine = $1 AND container = ANY($2::text[])',
    [engine, [...containers]],
  );
  return new Set(
    z
      .array(z.object({ container: z.string() }))
      .parse(rows)
      .map((r) => r.container),
  );
}
