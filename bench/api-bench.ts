// Benchmark 10: the HTTP API. The same recovery asked two ways, alternating within each round
// on fresh broken workspaces: (a) the core in-process (what the CLI's core time is), (b)
// `POST /api/v1/recoveries` with `Prefer: wait=30` to `medic serve` as a process, timed from
// the call to its 200. What (b) adds: HTTP, the token, the rate slot, the idempotency key,
// the call's record and the stored answer.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createToken } from '../src/api/tokens.js';
import { applyPolicy, parsePolicy, recover, resolvePolicy } from '../src/core/index.js';
import { type Fleet, ROOT, TEMPLATES } from './fleet.js';
import { finish, startNode } from './processes.js';

export interface ApiBench {
  readonly rounds: number;
  readonly core: number[];
  readonly api: number[];
}

export async function benchApi(f: Fleet, rounds: number, log: (s: string) => void): Promise<ApiBench> {
  const policy = parsePolicy('clients:\n  - name: bench\n    workspaces: all\n');
  await applyPolicy(f.db, policy, (await resolvePolicy(policy, null, new Date())).resolution, 'bench');
  const { token } = await createToken(f.db, 'bench', 'bench');
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: f.url,
    CONFIGS_DIR: TEMPLATES,
    MEDIC_RESTART_BUDGET: '1000/1h',
    MEDIC_API_CALLS_PER_MINUTE: '1000',
  };
  const serve = startNode([path.join(ROOT, 'lib/medic.js'), 'serve', '--port', '0'], env);
  const exited = finish(serve);
  let port = '';
  serve.stderr?.on('data', (d: Buffer) => {
    port ||= /127\.0\.0\.1:(\d+)/.exec(String(d))?.[1] ?? '';
  });
  for (let i = 0; !port; i++) {
    if (i > 200) throw new Error('medic serve did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const deps = f.deps({ MEDIC_RESTART_BUDGET: '1000/1h' });
  const call = async (target: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/recoveries`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': randomUUID(),
        prefer: 'wait=30',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ target }),
    });
    const body = (await res.json()) as { outcome?: string };
    if (res.status !== 200 || body.outcome !== 'recovered')
      throw new Error(`api: ${res.status} ${JSON.stringify(body)}`);
  };
  const out: ApiBench = { rounds, core: [], api: [] };
  try {
    const warm = await f.broken();
    await call(warm.container); // the first call loads the handler and opens connections
    for (let round = 0; round < rounds; round++) {
      const [a, b] = await f.brokenMany(2);
      const variants: Array<[keyof Omit<ApiBench, 'rounds'>, () => Promise<void>]> = [
        [
          'core',
          async () => {
            const r = await recover(deps, a!.container, { actor: 'bench', source: 'cli' });
            if (r.outcome !== 'recovered') throw new Error(`core: ${r.error?.code}`);
          },
        ],
        ['api', () => call(b!.container)],
      ];
      for (const [name, fn] of round % 2 ? [...variants].reverse() : variants) {
        const t0 = performance.now();
        await fn();
        out[name].push(performance.now() - t0);
      }
      log(
        `  round ${round + 1}/${rounds}: core ${Math.round(out.core.at(-1)!)} ms, api ${Math.round(out.api.at(-1)!)} ms`,
      );
    }
  } finally {
    serve.kill('SIGTERM');
    await exited;
  }
  return out;
}

/** Section 10 of bench/RESULTS.md. */
export function apiSection(b: ApiBench): string[] {
  const med = (v: number[]) => {
    const s = [...v].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const core = med(b.core);
  const api = med(b.api);
  return [
    `## 10. The HTTP API (${b.rounds} rounds, fresh broken workspaces, alternating order)`,
    '',
    '| | median ms | min–max ms |',
    '|---|--:|--:|',
    `| (a) the core in-process (the CLI's core time) | ${Math.round(core)} | ${Math.round(Math.min(...b.core))}–${Math.round(Math.max(...b.core))} |`,
    `| (b) \`POST /api/v1/recoveries\`, \`Prefer: wait=30\`, to \`medic serve\`: call to 200 | ${Math.round(api)} | ${Math.round(Math.min(...b.api))}–${Math.round(Math.max(...b.api))} |`,
    '',
    `(b) − (a) at the median: **${Math.round(api - core)} ms** (target ≤ 50 ms): HTTP, the token, the rate slot, the idempotency key, the call's record and the stored answer.`,
    '',
  ];
}
