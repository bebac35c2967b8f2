// Child processes for the benchmarks: timed runs, peak RSS read from inside the child (an
// --import hook prints process.resourceUsage().maxRSS at exit), and waiting for a port.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const RSS_PROBE = `data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kb="+process.resourceUsage().maxRSS+"\\n"))`;

export interface Finished {
  readonly code: number | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly maxRssMb: number | null;
}

export function startNode(args: string[], env: NodeJS.ProcessEnv, probe = false): ChildProcess {
  return spawn('node', [...(probe ? ['--import', RSS_PROBE] : []), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function finish(child: ChildProcess, t0 = performance.now()): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const rss = /maxrss_kb=(\d+)/.exec(stderr);
      resolve({
        code,
        ms: performance.now() - t0,
        stdout,
        stderr,
        maxRssMb: rss ? Number(rss[1]) / 1024 : null,
      });
    }),
  );
}

export async function runNode(args: string[], env: NodeJS.ProcessEnv, probe = false): Promise<Finished> {
  const t0 = performance.now();
  return finish(startNode(args, env, probe), t0);
}

export async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = readFileSync(file, 'utf8');
      if (text) return text;
    } catch {
      // not written yet
    }
    if (Date.now() > until) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Until `url` answers; if `exited` (the server's process) ends first, says how, with its stderr. */
export async function waitForHttp(
  url: string,
  exited?: Promise<Finished>,
  timeoutMs = 20_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let gone: Finished | null = null;
  void exited?.then((f) => {
    gone = f;
  });
  while (Date.now() < until) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    const ended = gone as Finished | null;
    if (ended)
      throw new Error(
        `the process serving ${url} exited (${ended.code}) before it answered:\n${ended.stderr}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}
