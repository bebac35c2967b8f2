// `medic demo`: the whole job on this machine. It breaks a workspace the way the incident did
// (a running container whose config volume is empty, its row `failed`), recovers it with the
// same core every door uses, and prints the audit trail. Earlier demo workspaces are removed.

import type { CoreDeps } from '../core/index.js';
import { history, recover } from '../core/index.js';
import { createBrokenWorkspace, removeFixtures } from '../demo/broken-workspace.js';
import { connectDocker } from '../docker/connection.js';
import { ensureLocalImage } from '../docker/local-image.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { type Io, printResult, progressPrinter } from './io.js';
import { historyLines } from './render.js';

const DEMO_LABEL = 'workspace-medic.demo=true';

export async function runDemo(deps: CoreDeps, io: Io, actor: string): Promise<number> {
  const docker = connectDocker(deps.config);
  await deps.runtime.ping();
  const image = await ensureLocalImage(docker);
  await removeFixtures(docker, DEMO_LABEL);

  io.out('1. Breaking a workspace the way the incident did: config volume empty, status failed.');
  const ws = await createBrokenWorkspace(docker, deps.db, {
    image,
    runtime: 'claude-code',
    status: 'failed',
    name: 'demo workspace',
    labels: { 'workspace-medic.demo': 'true' },
    stray: { 'notes.txt': 'a file the user left; recovery must keep it\n' },
  });
  io.out(`   container ${ws.container}, volume ${ws.volume} (holds only notes.txt), row ${ws.id} failed`);
  io.out(
    `   database: ${deps.config.databaseUrl ? 'DATABASE_URL' : `embedded PGlite in ${deps.config.dataDir}`}`,
  );
  io.out('');
  io.out(`2. medic recover ${ws.container}`);
  const result = await recover(deps, ws.container, {
    actor,
    source: 'cli',
    reason: 'medic demo',
    onStep: progressPrinter({ out: io.out, err: io.out, status: io.status }),
  });
  printResult(io, result, false);
  io.out('');
  io.out(`3. Recovering it again finds it healthy and changes nothing:`);
  const again = await recover(deps, ws.container, { actor, source: 'cli', reason: 'medic demo, second run' });
  printResult(io, again, false);
  io.out('');
  io.out(`4. The audit trail (medic history ${ws.container}):`);
  for (const line of historyLines(await history(deps, ws.id))) io.out(`   ${line}`);
  io.out('');
  io.out(`Look inside: docker run --rm -v ${ws.volume}:/c:ro ${image} ls -la /c`);
  io.out(`Clean up:    docker rm -f ${ws.container} && docker volume rm ${ws.volume}`);
  return result.outcome === 'recovered' && again.outcome === 'healthy'
    ? exitCodeFor([result, again])
    : EXIT.failed;
}
