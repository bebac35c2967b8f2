// medic's own processes, for the tests and benchmarks that run them as a user would: the app
// (`node lib/app/main.js`, Probot's env), a fleet's `medic agent` per engine and app replicas
// (MEDIC_EXECUTOR=agents), each with its own output kept for a failing test to show.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import { TEMPLATES } from './core-deps.js';
import { signedHeaders } from './webhooks.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MEDIC = path.join(ROOT, 'lib/medic.js');
const MAIN = path.join(ROOT, 'lib/app/main.js');

export interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(args: string[], env: Record<string, string>): Proc {
  const child = spawn('node', args, {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', CONFIGS_DIR: TEMPLATES, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function startAgent(
  engine: string,
  env: { readonly DATABASE_URL: string; readonly DOCKER_HOST: string } & Record<string, string>,
  args: readonly string[] = [],
): Proc {
  return startProcess([MEDIC, 'agent', '--engine', engine, '--metrics-port', '0', ...args], {
    MEDIC_STOP_TIMEOUT_S: '3',
    MEDIC_TASK_STALE_S: '3',
    MEDIC_RESTART_BUDGET: '100/1h',
    ...env,
  });
}

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** Probot's env for an app that is registered (a key of its own), in production mode. */
export const APP_ENV = { APP_ID: '1', PRIVATE_KEY: privateKey, NODE_ENV: 'production' } as const;

/** The app as `npm start` runs it. */
export function startApp(env: Record<string, string>): Proc {
  return startProcess([MAIN], { ...APP_ENV, ...env });
}

export interface Replica extends Proc {
  readonly port: number;
}

/** An app replica that holds no engine: DOCKER_HOST names a socket that does not exist. */
export function startReplica(
  env: { readonly DATABASE_URL: string; readonly WEBHOOK_SECRET: string; readonly GHE_HOST: string } & Record<
    string,
    string
  >,
): Replica {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = startApp({
    GHE_PROTOCOL: 'http',
    PORT: String(port),
    MEDIC_EXECUTOR: 'agents',
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    MEDIC_WRITE_GAP_MS: '0',
    MEDIC_EDIT_INTERVAL_MS: '0',
    ...env,
  });
  return { ...proc, port };
}

/** Resolves when the URL answers 200 (a process that has started its server). */
export async function ready(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`exited before it was ready:\n${proc.output()}`);
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${proc.output()}`);
}

export interface LocalApp extends Proc {
  readonly port: number;
  /** Posts a payload to the app's webhook path, signed as GitHub signs it; resolves to the status. */
  deliver(payload: unknown, event?: string): Promise<number>;
}

/**
 * The app as `npm start` runs it on this host's engine (MEDIC_EXECUTOR=local), against a
 * GitHub stand-in at `githubUrl`; resolves once it answers /healthz.
 */
export async function startLocalApp(o: {
  readonly databaseUrl: string;
  readonly githubUrl: string;
  readonly secret: string;
  readonly env?: Record<string, string>;
}): Promise<LocalApp> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = startApp({
    GHE_HOST: new URL(o.githubUrl).host,
    GHE_PROTOCOL: 'http',
    PORT: String(port),
    WEBHOOK_SECRET: o.secret,
    DATABASE_URL: o.databaseUrl,
    MEDIC_WRITE_GAP_MS: '0',
    MEDIC_EDIT_INTERVAL_MS: '0',
    ...o.env,
  });
  await ready(`http://127.0.0.1:${port}/healthz`, proc);
  const deliver = async (payload: unknown, event = 'issue_comment') => {
    const body = JSON.stringify(payload);
    const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: 'POST',
      body,
      headers: signedHeaders(event, randomUUID(), body, o.secret),
    });
    await res.text();
    return res.status;
  };
  return { ...proc, port, deliver };
}
