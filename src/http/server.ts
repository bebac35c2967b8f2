// medic's one HTTP server helper, for the app, the dashboard (`medic serve`) and the metrics
// of `watch` and `agent`: handlers tried in turn (404 when none answers, 500 when one throws),
// a body cap for what accepts bodies (GitHub's webhooks are small; a body over the cap is
// answered 413 from its Content-Length, without reading it), and a listen whose failure is a
// message naming the setting to change, not `listen EADDRINUSE`.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidConfigError } from '../core/index.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** 1 MiB: GitHub caps payloads at 25 MB, but medic's events are a few kB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function bodyCap(maxBytes: number): Handler {
  return (req, res) => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return false;
    const length = req.headers['content-length'];
    if (length === undefined) {
      // A streamed body of unknown size would have to be read to be judged: refuse it.
      res
        .writeHead(411, { connection: 'close', 'content-type': 'text/plain' })
        .end('Content-Length required\n');
      req.destroy();
      return true;
    }
    if (Number(length) > maxBytes) {
      res
        .writeHead(413, { connection: 'close', 'content-type': 'text/plain' })
        .end(`body over ${maxBytes} bytes\n`);
      // Not reading it: the connection closes once the answer is sent.
      res.once('finish', () => req.destroy());
      return true;
    }
    return false;
  };
}

/** A server of `handlers`, tried in turn: 404 when none answers, 500 (and `onError`) when one throws. */
export function handlerServer(handlers: readonly Handler[], onError: (err: unknown) => void): http.Server {
  return http.createServer(async (req, res) => {
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (error) {
      onError(error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    }
  });
}

/** Where to listen, and the flag or variable that sets it (named when it cannot be had). */
export interface ListenOn {
  readonly port: number;
  readonly host: string;
  /** `PORT`, `--port`, `--metrics-port`: what the operator changes when the port is taken. */
  readonly setting: string;
}

/** Listens; a port in use or not allowed is INVALID_CONFIG naming the setting that chose it. */
export async function listen(server: http.Server, on: ListenOn): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on.port, on.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    const where = `${on.host}:${on.port}`;
    if (error.code === 'EADDRINUSE') {
      throw new InvalidConfigError(`${where} is already in use (${on.setting})`, {
        hint: `another process listens there (a second agent or app on this host?): give this one another ${on.setting}, or 0 for none where that is allowed`,
      });
    }
    if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      throw new InvalidConfigError(`cannot listen on ${where} (${on.setting}): ${error.code}`, {
        hint: `choose another ${on.setting}: ports below 1024 need privileges, and the host must be this machine's`,
      });
    }
    throw error;
  });
  return server.address() as AddressInfo;
}
