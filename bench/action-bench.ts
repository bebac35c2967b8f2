// Benchmark 4: the action's cold start: `node dist/index.js` in dry-run under
// workflow_dispatch, from spawn to exit, against `node -e 0` in the same rounds; and the
// bundle's size. As in a real workflow, the operator's policy grants the repository and the
// actor's role is read from GitHub (a stand-in on loopback: one request).
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyPolicy, parsePolicy, resolvePolicy } from '../src/core/index.js';
import { githubStandIn } from '../test/helpers/github-standin.js';
import { type Fleet, ROOT } from './fleet.js';
import { runNode } from './processes.js';

export interface ActionBench {
  readonly bundleBytes: number;
  readonly action: number[];
  readonly nodeBaseline: number[];
}

export async function benchAction(f: Fleet, rounds: number): Promise<ActionBench> {
  const [ws] = await f.brokenMany(1);
  const policy = parsePolicy('repos:\n  - repo: acme/platform\n    id: 186853002\n    workspaces: all\n');
  await applyPolicy(f.db, policy, (await resolvePolicy(policy, null, new Date())).resolution, 'bench');
  const gh = await githubStandIn({ alice: 'admin' });
  const dir = mkdtempSync(path.join(tmpdir(), 'medic-action-bench-'));
  const action: number[] = [];
  const nodeBaseline: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const out = path.join(dir, `out-${i}`);
    writeFileSync(out, '');
    writeFileSync(`${out}.md`, '');
    const run = await runNode([path.join(ROOT, 'dist/index.js')], {
      PATH: process.env.PATH,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: 'acme/platform',
      GITHUB_REPOSITORY_ID: '186853002',
      GITHUB_ACTOR: 'alice',
      'INPUT_GITHUB-TOKEN': 'ghs_bench',
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: `${out}.md`,
      INPUT_WORKSPACE: ws!.container,
      'INPUT_DRY-RUN': 'true',
      'INPUT_DATABASE-URL': f.url,
    });
    if (run.code !== 0) throw new Error(`action failed: ${run.stdout}`);
    action.push(run.ms);
    nodeBaseline.push((await runNode(['-e', '0'], { PATH: process.env.PATH })).ms);
  }
  await gh.close();
  // dist/index.js and the chunks it loads on demand (dist/chunks/): what the action ships.
  const files = readdirSync(path.join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' });
  const bundleBytes = files
    .map((f) => statSync(path.join(ROOT, 'dist', f)))
    .filter((st) => st.isFile())
    .reduce((n, st) => n + st.size, 0);
  return { bundleBytes, action, nodeBaseline };
}
