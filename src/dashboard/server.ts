// The dashboard as a request handler: read-only pages and JSON under `base`. With a token
// (MEDIC_DASHBOARD_TOKEN) every route needs `Authorization: Bearer <token>`, or the session
// cookie a login form sets (HttpOnly, SameSite=Strict, 12 hours, Secure over HTTPS; it holds
// its expiry and an HMAC of it keyed by the token, never the token); five failed logins from
// one address in a minute get 429. Without a token it answers only requests whose Host names
// the loopback (421 otherwise), so a DNS-rebound page cannot read the audit trail. Every
// answer carries a strict Content-Security-Policy: no script at all.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CoreDeps, recentRuns } from '../core/index.js';
import { type Handler, handlerServer } from '../http/server.js';
import { esc, page, STYLE } from './html.js';
import { overviewPage } from './overview-page.js';
import { type Rendered, runPage, workspacePage } from './pages.js';
import { reportPage } from './report-page.js';

export interface DashboardOptions {
  readonly deps: CoreDeps;
  /** Every route needs it when set. */
  readonly token: string | null;
  /** MEDIC_DASHBOARD_SECURE: the login cookie is Secure even over plain HTTP (behind a TLS proxy). */
  readonly secureCookie?: boolean;
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
/** How long a login lasts. */
export const SESSION_S = 12 * 3600;
/** Failed logins from one address in a minute before it gets 429. */
export const LOGIN_FAILURES = 5;
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

/** The dashboard as a server of its own (medic serve): 404 outside it, 500 if a page throws. */
export function dashboardServer(o: DashboardOptions): http.Server {
  return handlerServer([dashboardHandler(o)], (err) =>
    o.deps.logger.error({ err: (err as Error).message }, 'a dashboard page failed'),
  );
}

export function dashboardHandler(o: DashboardOptions): Handler {
  const failures = new Map<string, number[]>();
  const now = () => o.deps.clock.now().getTime();
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (o.base && url.pathname !== o.base && !url.pathname.startsWith(`${o.base}/`)) return false;
    if (!o.token && !LOOPBACK_HOST.test(req.headers.host ?? '')) {
      return send(
        res,
        421,
        'text/plain',
        'this dashboard answers the loopback only (Host: 127.0.0.1, localhost or [::1])\n',
      );
    }
    const path = url.pathname.slice(o.base.length) || '/';
    if (path === '/style.css') return send(res, 200, 'text/css; charset=utf-8', STYLE);
    if (path === '/login' && req.method === 'POST') return login(req, res, o, { failures, now: now() });
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'read-only\n');
    if (o.token && !authorized(req, o.token, now())) {
      return path.startsWith('/api/')
        ? send(
            res,
            401,
            'application/json',
            JSON.stringify({ error: 'MEDIC_DASHBOARD_TOKEN required (Authorization: Bearer)' }),
          )
        : send(res, 401, 'text/html; charset=utf-8', loginPage(o.base, false));
    }
    const rendered =
      path === '/report' || path === '/api/report'
        ? await reportPage(o.deps, o.base, path === '/api/report', url.searchParams.get('since'))
        : await route(o, path, Number(url.searchParams.get('limit') ?? 50));
    if (!rendered) return send(res, 404, 'text/plain', 'not found\n');
    return rendered.json !== undefined
      ? send(res, rendered.status, 'application/json', JSON.stringify(rendered.json))
      : send(res, rendered.status, 'text/html; charset=utf-8', rendered.html ?? '');
  };
}

async function route(o: DashboardOptions, path: string, limit: number): Promise<Rendered | null> {
  const { deps, base } = o;
  if (path === '/' || path === '/api/overview') return overviewPage(deps, base, path !== '/');
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

function authorized(req: IncomingMessage, token: string, nowMs: number): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer && same(bearer, token)) return true;
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  if (!cookie) return false;
  const [expires, mac] = cookie.slice(COOKIE.length + 1).split('.');
  const until = Number(expires);
  return Number.isInteger(until) && until * 1000 > nowMs && same(mac ?? '', sessionMac(token, until));
}

/** The session cookie's MAC over its expiry, keyed by the token: valid until then, and only for this token. */
function sessionMac(token: string, expires: number): string {
  return createHmac('sha256', token).update(`medic-dashboard-session:${expires}`).digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function login(
  req: IncomingMessage,
  res: ServerResponse,
  o: DashboardOptions,
  tries: { readonly failures: Map<string, number[]>; readonly now: number },
) {
  const from = req.socket.remoteAddress ?? 'unknown';
  if (tries.failures.size > 10_000) tries.failures.clear(); // a bound on memory, not a limit anyone reaches
  const recent = (tries.failures.get(from) ?? []).filter((t) => t > tries.now - 60_000);
  tries.failures.set(from, recent);
  if (recent.length >= LOGIN_FAILURES) {
    res.setHeader('retry-after', String(Math.ceil((recent[0]! + 60_000 - tries.now) / 1000)));
    return send(res, 429, 'text/plain', 'too many failed sign-ins from this address; wait a minute\n');
  }
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) return send(res, 413, 'text/plain', 'too long\n');
  }
  const token = new URLSearchParams(body).get('token') ?? '';
  if (!o.token || !same(token, o.token)) {
    recent.push(tries.now);
    return send(res, 401, 'text/html; charset=utf-8', loginPage(o.base, true));
  }
  const expires = Math.floor(tries.now / 1000) + SESSION_S;
  const secure = o.secureCookie || (req.socket as { encrypted?: boolean }).encrypted === true;
  res.writeHead(303, {
    ...HEADERS,
    location: `${o.base}/`,
    'set-cookie': `${COOKIE}=${expires}.${sessionMac(o.token, expires)}; HttpOnly; SameSite=Strict; Path=${o.base || '/'}; Max-Age=${SESSION_S}${secure ? '; Secure' : ''}`,
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
