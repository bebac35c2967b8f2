// A GitHub REST stand-in on loopback, for code that runs in another process (the action's
// bundle), where nock cannot reach: it keeps comments, reactions and issue states.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandIn {
  readonly url: string;
  readonly comments: Map<number, { issue: number; body: string; edits: number; repo: string }>;
  /** Every request (reads too), in order. */
  readonly requests: Array<{ method: string; path: string }>;
  readonly reactions: string[];
  readonly closed: number[];
  readonly unknown: string[];
  /** Every write (POST, PATCH) with when it arrived (performance.now()), for pacing measurements. */
  readonly writes: Array<{ method: string; path: string; at: number }>;
  /** Per issue: when a comment carrying a result (`medic:result`) first became visible, and when it was closed. */
  readonly resultAt: Map<number, number>;
  readonly closedAt: Map<number, number>;
  /** The repositories it knows (what `medic policy apply` resolves against); tests may add and remove. */
  readonly repos: StandInRepo[];
  /** Files of repositories' default branches, keyed `owner/name:path` (`.github/medic.yml`). */
  readonly files: Map<string, string>;
  close(): Promise<void>;
}

export interface StandInRepo {
  readonly id: number;
  readonly full_name: string;
  readonly owner: { readonly login: string; readonly id: number };
}

export async function githubStandIn(
  permissions: Record<string, string>,
  knownRepos: readonly StandInRepo[] = [],
): Promise<StandIn> {
  const repos = [...knownRepos];
  const files = new Map<string, string>();
  const ofOwner = (login: string) => repos.filter((r) => r.owner.login.toLowerCase() === login.toLowerCase());
  const comments = new Map<number, { issue: number; body: string; edits: number; repo: string }>();
  const requests: StandIn['requests'] = [];
  const reactions: string[] = [];
  const closed: number[] = [];
  const unknown: string[] = [];
  const writes: StandIn['writes'] = [];
  const resultAt = new Map<number, number>();
  const closedAt = new Map<number, number>();
  const sawResult = (issue: number, text: string) => {
    if (text.includes('medic:result') && !resultAt.has(issue)) resultAt.set(issue, performance.now());
  };
  let next = 500;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({ method: req.method ?? 'GET', path });
      if (req.method === 'POST' || req.method === 'PATCH')
        writes.push({ method: req.method, path, at: performance.now() });
      const send = (code: number, out: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      };
      const routes: Array<[string, RegExp, (m: RegExpExecArray) => [number, unknown]]> = [
        [
          'GET',
          /\/collaborators\/([^/]+)\/permission$/,
          (m) => {
            const role = permissions[m[1]!] ?? 'none';
            // `status:502` stands for GitHub failing the look-up.
            const failing = /^status:(\d{3})$/.exec(role);
            if (failing) return [Number(failing[1]), { message: 'stand-in failure' }];
            return [200, { permission: role, role_name: role }];
          },
        ],
        [
          'GET',
          /^\/(?:api\/v3\/)?repos\/([^/]+\/[^/]+)\/contents\/(.+)$/,
          (m) => {
            const text = files.get(`${m[1]}:${decodeURIComponent(m[2]!)}`);
            return text === undefined
              ? [404, { message: 'Not Found' }]
              : [200, { type: 'file', encoding: 'base64', content: Buffer.from(text).toString('base64') }];
          },
        ],
        // What `medic policy apply` asks, with a token or as the app.
        [
          'GET',
          /^\/(?:api\/v3\/)?repos\/([^/]+)\/([^/]+)$/,
          (m) => {
            const found = repos.find((r) => r.full_name.toLowerCase() === `${m[1]}/${m[2]}`.toLowerCase());
            return found ? [200, found] : [404, { message: 'Not Found' }];
          },
        ],
        ['GET', /^\/(?:api\/v3\/)?orgs\/([^/]+)\/repos$/, (m) => [200, ofOwner(m[1]!)]],
        [
          'GET',
          /^\/(?:api\/v3\/)?(?:orgs|users)\/([^/]+)\/installation$/,
          (m) => (ofOwner(m[1]!).length > 0 ? [200, { id: 77 }] : [404, { message: 'Not Found' }]),
        ],
        [
          'GET',
          /^\/(?:api\/v3\/)?installation\/repositories$/,
          () => [200, { total_count: repos.length, repositories: repos }],
        ],
        [
          'GET',
          /^\/(?:api\/v3\/)?app\/installations$/,
          () => [
            200,
            [...new Set(repos.map((r) => r.owner.login))].map((login) => ({ id: 77, account: { login } })),
          ],
        ],
        [
          'GET',
          /^\/(?:api\/v3\/)?users\/([^/]+)$/,
          (m) => {
            const owner = ofOwner(m[1]!)[0]?.owner;
            return owner ? [200, owner] : [404, { message: 'Not Found' }];
          },
        ],
        [
          'POST',
          /^\/(api\/v3\/)?app\/installations\/\d+\/access_tokens$/,
          () => [
            201,
            {
              token: 'ghs_standin',
              expires_at: new Date(Date.now() + 3_600_000).toISOString(),
              permissions: { issues: 'write' },
            },
          ],
        ],
        [
          'POST',
          /\/reactions$/,
          () => {
            reactions.push(String(body.content));
            return [201, { id: 1 }];
          },
        ],
        [
          'POST',
          /\/issues\/(\d+)\/comments$/,
          (m) => {
            const id = next++;
            const repo = /\/repos\/([^/]+\/[^/]+)\//.exec(path)?.[1] ?? '';
            comments.set(id, { issue: Number(m[1]), body: String(body.body), edits: 0, repo });
            sawResult(Number(m[1]), String(body.body));
            return [201, { id }];
          },
        ],
        [
          'PATCH',
          /\/issues\/comments\/(\d+)$/,
          (m) => {
            const c = comments.get(Number(m[1]));
            if (c) Object.assign(c, { body: String(body.body), edits: c.edits + 1 });
            if (c) sawResult(c.issue, String(body.body));
            return [c ? 200 : 404, { id: Number(m[1]) }];
          },
        ],
        [
          'PATCH',
          /\/issues\/(\d+)$/,
          (m) => {
            if (body.state === 'closed') {
              closed.push(Number(m[1]));
              closedAt.set(Number(m[1]), performance.now());
            }
            return [200, { number: Number(m[1]) }];
          },
        ],
      ];
      for (const [method, re, handle] of routes) {
        const m = req.method === method ? re.exec(path) : null;
        if (m) return send(...handle(m));
      }
      unknown.push(`${req.method} ${path}`);
      send(404, { message: 'Not Found (stand-in)' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    comments,
    reactions,
    closed,
    unknown,
    writes,
    resultAt,
    closedAt,
    repos,
    files,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
