// The app as `npm start` runs it, for the benchmarks that measure it as a process: its own
// key, a free port, Probot's env pointing at a GitHub stand-in, medic's env at the fleet.

import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { APP_ENV } from '../test/helpers/processes.js';
import { type Fleet, ROOT, TEMPLATES } from './fleet.js';
import { startNode } from './processes.js';

export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

/** A port nothing listens on now (the kernel's choice), instead of a random guess that may be taken. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startAppProcess(
  f: Fleet,
  app: {
    readonly secret: string;
    readonly githubHost: string;
    readonly env?: Record<string, string>;
    readonly rssProbe?: boolean;
  },
): Promise<AppProcess> {
  const port = await freePort();
  const child = startNode(
    [path.join(ROOT, 'lib/app/main.js')],
    {
      PATH: process.env.PATH,
      ...APP_ENV,
      WEBHOOK_SECRET: app.secret,
      GHE_HOST: app.githubHost,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      DATABASE_URL: f.url,
      CONFIGS_DIR: TEMPLATES,
      LOG_LEVEL: 'error',
      ...app.env,
    },
    app.rssProbe ?? false,
  );
  return { child, port };
}
