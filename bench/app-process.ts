// The app as `npm start` runs it, for the benchmarks that measure it as a process: its own
// key, a free port, Probot's env pointing at a GitHub stand-in, medic's env at the fleet.

import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../test/helpers/free-port.js';
import { APP_ENV } from '../test/helpers/processes.js';
import { type Fleet, ROOT, TEMPLATES } from './fleet.js';
import { startNode } from './processes.js';

export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
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
