// The embedded database's holder as a process: `node embedded-holder-main.js <data dir> <idle s>`,
// started (detached) by embedded-client.ts. It says `ready` once it listens, or the error that
// kept it from starting as one line of JSON, on stdout. A file of its own, imported by nothing,
// so that no bundle (the CLI's, the action's) carries a holder that starts when it loads.
import path from 'node:path';
import { asMedicError } from '../core/index.js';
import { holdEmbedded } from './embedded-holder.js';

const [dataDir, idleS] = process.argv.slice(2);
try {
  const { done, stop } = await holdEmbedded(path.resolve(dataDir ?? '.medic'), Number(idleS ?? 120) * 1000);
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdout.write('ready\n');
  await done;
  process.exit(0);
} catch (error) {
  const e = asMedicError(error);
  process.stdout.write(`${JSON.stringify({ code: e.code, message: e.message, hint: e.hint ?? null })}\n`);
  process.exit(1);
}
