// The test database as another login role, on a cluster of the test file's own that trusts
// local connections (the role is what counts): for tests of deploy/roles.sql's roles.
import pg from 'pg';

/** `url` with its user set to `role`. */
export function urlAs(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = 'unused';
  return u.toString();
}

/** Runs `fn` on a connection of its own as `role`. */
export async function asRole<T>(url: string, role: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlAs(url, role) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with ('ok' when it does not). */
export const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );
