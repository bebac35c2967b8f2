// The app's HTTP server: a body cap in front of everything (GitHub's webhooks are small; a
// body over the cap is answered 413 from its Content-Length, without reading it), then
// Probot's webhook middleware, then medic's own handlers, then 404.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';

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

export function createAppServer(handlers: readonly Handler[], log: (err: unknown) => void): http.Server {
  return http.createServer(async (req, res) => {
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (error) {
      log(error);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
}
