// What `medic policy apply` asks GitHub to pin a policy to ids: with the app's credentials
// (APP_ID, PRIVATE_KEY) it sees the repositories of its installations, as deliveries will
// come from them; with a token (GITHUB_TOKEN) what that token sees. GHE_HOST/GHE_PROTOCOL
// (as Probot reads them) or GITHUB_API_URL point it at GitHub Enterprise or a stand-in.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { type GitHubRepo, InvalidConfigError, parseSettings, type RepoDirectory } from '../core/index.js';

/** GitHub access for `medic policy apply` (docs/configuration.md is generated from it). */
export const githubAccessSchema = z.object({
  APP_ID: z
    .string()
    .optional()
    .describe("the app's id: with `PRIVATE_KEY`, the app's installations are asked"),
  PRIVATE_KEY: z.string().optional().describe("the app's private key (PEM)"),
  GITHUB_TOKEN: z.string().optional().describe('a token, instead of the app: what it can see is asked'),
  GHE_HOST: z.string().optional().describe('a GitHub Enterprise host'),
  GHE_PROTOCOL: z.enum(['http', 'https']).default('https').describe('the protocol for `GHE_HOST`'),
  GITHUB_API_URL: z
    .string()
    .url()
    .optional()
    .describe("GitHub's API, when not `GHE_HOST`; unset: api.github.com"),
});
const accessSchema = githubAccessSchema;

const repoSchema = z.object({ id: z.number(), full_name: z.string(), owner: z.object({ id: z.number() }) });
const toRepo = (r: z.infer<typeof repoSchema>): GitHubRepo => ({
  id: r.id,
  fullName: r.full_name,
  ownerId: r.owner.id,
});
const statusOf = (error: unknown) => (error as { status?: number }).status;

/** The directory the environment gives access to, or null when it gives none. */
export function repoDirectoryFromEnv(env: Record<string, string | undefined>): RepoDirectory | null {
  const e = parseSettings(accessSchema, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const baseUrl = e.GHE_HOST
    ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3`
    : (e.GITHUB_API_URL ?? 'https://api.github.com');
  if (e.APP_ID || e.PRIVATE_KEY) {
    if (!e.APP_ID || !e.PRIVATE_KEY)
      throw new InvalidConfigError("APP_ID and PRIVATE_KEY go together (the app's id and its private key)");
    const auth = { appId: e.APP_ID, privateKey: e.PRIVATE_KEY.replace(/\\n/g, '\n') };
    return appDirectory(
      (installationId) =>
        new Octokit({
          baseUrl,
          authStrategy: createAppAuth,
          auth: { ...auth, ...(installationId ? { installationId } : {}) },
        }),
      `${baseUrl} as app ${e.APP_ID}`,
    );
  }
  if (e.GITHUB_TOKEN)
    return tokenDirectory(new Octokit({ baseUrl, auth: e.GITHUB_TOKEN }), `${baseUrl} with GITHUB_TOKEN`);
  return null;
}

/** The app sees each owner through its installation there. */
function appDirectory(client: (installationId?: number) => Octokit, describe: string): RepoDirectory {
  const app = client();
  // The app's own credentials reach only /app routes; everything else goes through the
  // owner's installation, asked for first (as Probot does).
  const installations = new Map<
    string,
    { readonly client: Octokit; readonly accountId: number | null } | null
  >();
  const installationFor = async (owner: string) => {
    const key = owner.toLowerCase();
    if (!installations.has(key)) {
      const found = await installationOf(app, owner);
      installations.set(
        key,
        found === null ? null : { client: client(found.id), accountId: found.accountId },
      );
    }
    return installations.get(key) ?? null;
  };
  const asInstallation = async (owner: string): Promise<Octokit | null> =>
    (await installationFor(owner))?.client ?? null;
  return {
    describe,
    async repo(owner, name) {
      const client = await asInstallation(owner);
      return client ? getRepo(client, owner, name) : null;
    },
    async reposOf(owner) {
      const client = await asInstallation(owner);
      if (!client) return [];
      const all = await client.paginate(client.rest.apps.listReposAccessibleToInstallation, {
        per_page: 100,
      });
      return z.array(repoSchema).parse(all).map(toRepo);
    },
    async owners() {
      const all = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
      return z
        .array(z.object({ account: z.object({ login: z.string() }).nullable() }))
        .parse(all)
        .flatMap((i) => (i.account ? [i.account.login] : []));
    },
    async ownerId(owner) {
      const installation = await installationFor(owner);
      if (!installation) return null;
      return installation.accountId ?? accountId(installation.client, owner);
    },
  };
}

function tokenDirectory(client: Octokit, describe: string): RepoDirectory {
  return {
    describe,
    repo: (owner, name) => getRepo(client, owner, name),
    async reposOf(owner) {
      const org = await client
        .paginate(client.rest.repos.listForOrg, { org: owner, per_page: 100 })
        .catch(async (error: unknown) => {
          if (statusOf(error) !== 404) throw error;
          return client.paginate(client.rest.repos.listForUser, { username: owner, per_page: 100 });
        });
      return z.array(repoSchema).parse(org).map(toRepo);
    },
    async owners() {
      throw new InvalidConfigError("a pattern in the owner part (*/name) needs the app's credentials", {
        hint: 'set APP_ID and PRIVATE_KEY, or name the owner in the rule',
      });
    },
    ownerId: (owner) => accountId(client, owner),
  };
}

async function getRepo(client: Octokit, owner: string, name: string): Promise<GitHubRepo | null> {
  try {
    const { data } = await client.rest.repos.get({ owner, repo: name });
    return toRepo(repoSchema.parse(data));
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

async function accountId(client: Octokit, login: string): Promise<number | null> {
  try {
    const { data } = await client.rest.users.getByUsername({ username: login });
    return z.object({ id: z.number() }).parse(data).id;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** The app's installation on an owner (an organization or a user), with the owner's account id. */
async function installationOf(
  app: Octokit,
  owner: string,
): Promise<{ readonly id: number; readonly accountId: number | null } | null> {
  const found = (data: { id: number; account?: unknown }) => ({
    id: data.id,
    accountId: z.object({ id: z.number() }).safeParse(data.account).data?.id ?? null,
  });
  try {
    const { data } = await app.rest.apps.getOrgInstallation({ org: owner });
    return found(data);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
  try {
    const { data } = await app.rest.apps.getUserInstallation({ username: owner });
    return found(data);
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}
