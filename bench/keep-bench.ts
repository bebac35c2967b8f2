// Benchmark 13 ([keep]): what last good copies cost and what they buy.
// - A look at one healthy workspace (what `medic watch` and each agent do per workspace every
//   MEDIC_KEEP_EVERY): the first, which stores a copy; the next ones, answered by the cheap
//   check (a stat per file and folder); the daily full read that finds the same content;
//   against an `inspect` of the same container in the same rounds (the cheapest thing an
//   engine is asked), and as engine time per hour for 1,000 workspaces.
// - A recovery from the last good copy against one from the template, alternating, on fresh
//   workspaces seeded, edited by their user and emptied the same way.
import { lookAndKeep } from '../src/core/commands/keep.js';
import { recover } from '../src/core/commands/recover.js';
import type { CoreDeps } from '../src/core/model/deps.js';
import { systemClock } from '../src/core/model/ports.js';
import { packFiles } from '../src/docker/tar-write.js';
import type { Fleet } from './fleet.js';
import { ratio, summarize } from './stats.js';

const MINUTE = 60_000;
const cli = { actor: 'bench', source: 'cli' } as const;

export interface KeepBench {
  readonly workspaces: number;
  readonly firstLook: number[];
  readonly nextLook: number[];
  readonly fullLook: number[];
  readonly inspect: number[];
  readonly recoverLastGood: number[];
  readonly recoverTemplate: number[];
  storedBytes: number;
  volumeBytes: number;
}

const later = (deps: CoreDeps, ms: number): CoreDeps => ({
  ...deps,
  clock: { ...systemClock, now: () => new Date(Date.now() + ms) },
});

/** A workspace seeded from its template, then edited by its user, running and online. */
async function editedWorkspace(f: Fleet, deps: CoreDeps) {
  const [ws] = await f.brokenMany(1);
  const seeded = await recover(deps, ws!.container, cli);
  if (seeded.outcome !== 'recovered') throw new Error(`seed failed: ${JSON.stringify(seeded.error)}`);
  const files = [
    { path: 'skills/triage.md', content: Buffer.from(`# triage for ${ws!.container}\n`), mode: 0o644 },
    { path: 'notes/today.md', content: Buffer.from('remember the staging key rotation\n'), mode: 0o644 },
  ];
  await f.docker
    .getContainer(ws!.container)
    .putArchive(await packFiles(files, new Date()), { path: '/configs' });
  return ws!;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

export async function benchKeep(f: Fleet, n: number, log: (s: string) => void): Promise<KeepBench> {
  const deps = f.deps();
  const looker = later(deps, 11 * MINUTE);
  const r: KeepBench = {
    workspaces: n,
    firstLook: [],
    nextLook: [],
    fullLook: [],
    inspect: [],
    recoverLastGood: [],
    recoverTemplate: [],
    storedBytes: 0,
    volumeBytes: 0,
  };
  const wss = [];
  for (let i = 0; i < n; i++) wss.push(await editedWorkspace(f, deps));
  log(`  ${n} workspaces seeded and edited`);
  for (const ws of wss) {
    const [first, look] = await timed(() => lookAndKeep(looker, ws.id, 'bench'));
    if (look.outcome !== 'stored') throw new Error(`first look: ${look.outcome} (${look.why})`);
    r.firstLook.push(first);
    r.volumeBytes += look.copy?.bytes ?? 0;
    r.inspect.push((await timed(() => deps.runtime.inspect(ws.container)))[0]);
    for (const minutes of [30, 45, 25 * 60]) {
      const [next, again] = await timed(() => lookAndKeep(later(deps, minutes * MINUTE), ws.id, 'bench'));
      if (again.outcome !== 'unchanged') throw new Error(`next look: ${again.outcome}`);
      // A day after the first, the look reads the volume whatever the stats say.
      (again.why.includes('stat') ? r.nextLook : r.fullLook).push(next);
      r.inspect.push((await timed(() => deps.runtime.inspect(ws.container)))[0]);
    }
  }
  const stored = await f.db.query('SELECT coalesce(sum(size), 0)::bigint AS b FROM medic.keep_blobs');
  r.storedBytes = Number((stored.rows[0] as { b: string }).b);
  log('  looks measured; recoveries from the copy and from the template, alternating');
  for (const [i, ws] of wss.entries()) {
    await f.empty(ws.volume);
    await f.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1::uuid", [ws.id]);
    // Every other one from the template: its copies are let go first, so the run finds none.
    if (i % 2 === 1) await f.db.query('DELETE FROM medic.keep_copies WHERE workspace_id = $1::uuid', [ws.id]);
    const [ms, result] = await timed(() => recover(deps, ws.container, cli));
    const want = i % 2 === 1 ? 'template' : 'last_good';
    if (result.restore?.source !== want) throw new Error(`expected ${want}, got ${result.restore?.source}`);
    (want === 'last_good' ? r.recoverLastGood : r.recoverTemplate).push(ms);
  }
  return r;
}

export function keepSection(r: KeepBench): string[] {
  const s = (v: number[]) => summarize(v);
  const first = s(r.firstLook);
  const next = s(r.nextLook);
  const full = s(r.fullLook);
  const inspect = s(r.inspect);
  const lastGood = s(r.recoverLastGood);
  const template = s(r.recoverTemplate);
  // 1,000 workspaces, each looked at every 15 minutes: 4,000 looks an hour, nearly all finding
  // the same content by the cheap check, and one full read per workspace a day.
  const perWorkspaceMs = 4 * next.median + full.median / 24;
  const perHourS = perWorkspaceMs;
  return [
    `## 13. Last good copies (${r.workspaces} healthy workspaces, each seeded and edited by its user)`,
    '',
    '| | median | min–max | vs an inspect |',
    '|---|--:|--:|--:|',
    `| a look that stores a copy | ${Math.round(first.median)} ms | ${Math.round(first.min)}–${Math.round(first.max)} ms | ${ratio(first.median, inspect.median)}× |`,
    `| a look that finds the same content by the cheap check (a stat per file and folder) | ${next.median.toFixed(1)} ms | ${next.min.toFixed(1)}–${next.max.toFixed(1)} ms | ${ratio(next.median, inspect.median)}× |`,
    `| the daily look that reads the volume and finds the same content | ${Math.round(full.median)} ms | ${Math.round(full.min)}–${Math.round(full.max)} ms | ${ratio(full.median, inspect.median)}× |`,
    `| an inspect of the same container (baseline) | ${inspect.median.toFixed(1)} ms | ${inspect.min.toFixed(1)}–${inspect.max.toFixed(1)} ms | 1× |`,
    '',
    `The cheap check costs **${ratio(next.median, full.median)}×** a full read. Per workspace and hour at the defaults (a look every 15 minutes, a full read once a day): **${perWorkspaceMs.toFixed(1)} ms** of one healer's time on its engine; for 1,000 workspaces on one engine, **${perHourS.toFixed(0)} s an hour** (${((perHourS / 3600) * 100).toFixed(1)}% of one sequential healer's hour; ${Math.round(4 * full.median)} s with a full read at every look), looks taken one after another off the sweep's path. Storage: ${r.workspaces} copies of ${r.volumeBytes} bytes in all hold **${r.storedBytes} bytes** of blobs (the template's files stored once).`,
    '',
    `Recovery of an emptied volume, alternating: from the last good copy median **${Math.round(lastGood.median)} ms** (${Math.round(lastGood.min)}–${Math.round(lastGood.max)}) against the template **${Math.round(template.median)} ms** (${Math.round(template.min)}–${Math.round(template.max)}): ratio **${ratio(lastGood.median, template.median)}**, for a workspace that comes back with its user's own files.`,
    '',
  ];
}
