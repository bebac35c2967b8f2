// The dashboard as a request handler: read-only pages and JSON under `base`. With a token
// (MEDIC_DASHBOARD_TOKEN) every route needs `Authorization: Bearer <token>`, or the session
// cookie a login form sets (HttpOnly, SameSite=Strict; it holds an HMAC of the token, never
// the token). Every answer carries a strict Content-Security-Policy: no script at all.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Handler } from '../app/http-server.js';
import { type CoreDeps, recentRuns } from '../core/index.js';
import { esc, page, STYLE } from './html.js';
import { overviewPage, type Rendered, runPage, workspacePage } from './pages.js';

export interface DashboardOptions {
  readonly deps: CoreDeps;
  /** Every route needs it when set. */
  readonly token: string | null;
  /** Where the dashboard is mounted: '' (medic serve) or '/medic' (inside the app). */
  readonly base: string;
}

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const COOKIE = 'medic_session';

/** The dashboard as a server of its own (medic serve): 404 outside it, 500 if a page throws. */
export function dashboardServer(o: DashboardOptions): http.Server {
  const handle = dashboardHandler(o);
  return http.createServer((req, res) => {
    Promise.resolve(handle(req, res)).then(
      (done) => (done ? undefined : res.writeHead(404).end()),
      () => (res.headersSent ? res.end() : res.writeHead(500).end()),
    );
  });
}

export function dashboardHandler(o: DashboardOptions): Handler {
  const session = o.token
    ? createHmac('sha256', o.token).update('medic-dashboard-session').digest('hex')
    : null;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (o.base && url.pathname !== o.base && !url.pathname.startsWith(`${o.base}/`)) return false;
    const path = url.pathname.slice(o.base.length) || '/';
    if (path === '/style.css') return send(res, 200, 'text/css; charset=utf-8', STYLE);
    if (path === '/login' && req.method === 'POST') return login(req, res, o, session);
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'read-only\n');
    if (session && !authorized(req, o.token!, session)) {
      return path.startsWith('/api/')
        ? send(
            res,
            401,
            'application/json',
            JSON.stringify({ error: 'MEDIC_DASHBOARD_TOKEN required (Authorization: Bearer)' }),
          )
        : send(res, 401, 'text/html; charset=utf-8', loginPage(o.base, false));
    }
    const rendered = await route(o, path, Number(url.searchParams.get('limit') ?? 50));
    if (!rendered) return send(res, 404, 'text/plain', 'not found\n');
    return rendered.json !== undefined
      ? send(res, rendered.status, 'application/json', JSON.stringify(rendered.json))
      : send(res, rendered.status, 'text/html; charset=utf-8', rendered.html ?? '');
  };
}

async function route(o: DashboardOptions, path: string, limit: number): Promise<Rendered | null> {
  const { deps, base } = o;
  if (path === '/') return overviewPage(deps, base, false);
  if (path === '/api/runs') {
    return {
      status: 200,
      json: await recentRuns(deps.db, Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50),
    };
  }
  const match = /^\/(api\/)?(runs|workspaces)\/([^/]+)$/.exec(path);
  if (!match) return null;
  const [, api, kind, id] = match;
  const target = decodeURIComponent(id!);
  return kind === 'runs'
    ? runPage(deps, base, target, Boolean(api))
    : workspacePage(deps, base, target, Boolean(api));
}

function authorized(req: IncomingMessage, token: string, session: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer && same(bearer, token)) return true;
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? same(cookie.slice(COOKIE.length + 1), session) : false;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function login(req: IncomingMessage, res: ServerResponse, o: DashboardOptions, session: string | null) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) return send(res, 413, 'text/plain', 'too long\n');
  }
  const token = new URLSearchParams(body).get('token') ?? '';
  if (!session || !same(token, o.token!))
    return send(res, 401, 'text/html; charset=utf-8', loginPage(o.base, true));
  res.writeHead(303, {
    ...HEADERS,
    location: `${o.base}/`,
    'set-cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=${o.base || '/'}`,
  });
  res.end();
  return true;
}

function loginPage(base: string, wrong: boolean): string {
  return page(
    base,
    'Sign in',
    `${wrong ? '<p class="failed">That token is not the one this dashboard was started with.</p>' : ''}<form method="post" action="${esc(base)}/login"><label>Dashboard token <input type="password" name="token" autocomplete="current-password" required></label><button type="submit">Sign in</button></form>`,
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): true {
  res.writeHead(status, { ...HEADERS, 'content-type': type }).end(body);
  return true;
}
