// Secrets kept out of every message, log line and comment: a connection string's password,
// and the tokens an environment holds.

/**
 * A connection string with every password replaced, for messages and logs: the user-info
 * part (`user:pass@`) and a `password` (or `sslpassword`) query parameter.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (/pass(word)?$/i.test(name)) u.searchParams.set(name, '***');
    }
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '<unparseable url>';
  }
}

/** The secrets an environment holds, for redactSecrets: database passwords in any form, tokens. */
export function secretsOf(env: Record<string, string | undefined>): string[] {
  const secrets = [
    env.PGPASSWORD,
    env.WEBHOOK_SECRET,
    env.MEDIC_GITHUB_TOKEN,
    env.MEDIC_DASHBOARD_TOKEN,
    env.GITHUB_TOKEN,
    // [keep] Each key MEDIC_DATA_KEY lists (the whole value, when it is one).
    ...(env.MEDIC_DATA_KEY ?? '').split(',').map((k) => k.trim()),
  ];
  for (const url of [env.DATABASE_URL, env['INPUT_DATABASE-URL']]) {
    if (!url) continue;
    try {
      const u = new URL(url);
      secrets.push(decodeURIComponent(u.password), u.password);
      for (const [name, value] of u.searchParams) if (/pass(word)?$/i.test(name)) secrets.push(value);
    } catch {
      // not a URL: nothing to find in it
    }
  }
  return secrets.filter((s): s is string => Boolean(s));
}

/** A URL already shown with its password masked (redactUrl's output): its other parts stay. */
const MASKED_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"@/]*:\*\*\*@[^\s'"]*/gi;

/**
 * Text with any of the given secrets (a PGPASSWORD, a URL's password) replaced, for output.
 * A URL whose password is masked already keeps its scheme, user, host and database as they
 * are: masking those where they equal the password would tell the password.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const mask = (part: string) => {
    let out = part;
    for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('***');
    return out;
  };
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MASKED_URL)) {
    out += mask(text.slice(last, m.index)) + m[0];
    last = (m.index ?? 0) + m[0].length;
  }
  return out + mask(text.slice(last));
}
