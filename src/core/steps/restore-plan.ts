// What a recovery writes into /configs, decided file by file before anything is written, so
// that it loses the least: a file missing from the volume is added from the template; a file
// the volume holds is kept (the user's, with its bytes and mtime) unless it is the broken part
// (a config.yaml that is not a readable YAML mapping), which is overwritten. Asked for
// (`from: template`, or a forced reseed of a workspace whose config is there), every file of
// the template is written over what is there, as the seed always did. The same plan is shown
// by a dry run and recorded in the result (`restore`).
import { parse } from 'yaml';
import { sha256Digest } from '../model/digest.js';
import { PlanChangedError } from '../model/errors.js';
import type { ConfigFile } from '../model/ports.js';
import type { RestoreFile, RestoreSource } from '../model/result.js';
import type { TarEntry } from '../model/tar-read.js';
import { MARKER_FILE } from './diagnose.js';

/** Where the files a seed writes come from: the runtime's template, or the workspace's last good copy. */
export type SeedOrigin = 'template' | 'last_good';

export interface RestorePlan {
  readonly source: RestoreSource;
  /** Every file of the template and of the volume, with what becomes of it (sorted by path). */
  readonly files: readonly RestoreFile[];
  /** What the seed writes: the added and overwritten files. */
  readonly writes: readonly ConfigFile[];
  /** sha256 over every file's path, action, origin and content digest (the marker left out: it names the run). */
  readonly digest: string;
}

/** The volume's files as read from its export (entries `configs/…`), by path inside /configs. */
export function volumeFiles(entries: readonly TarEntry[]): Map<string, TarEntry> {
  const files = new Map<string, TarEntry>();
  for (const entry of entries) {
    const name = entry.path.replace(/\/$/, '');
    if (!name.startsWith('configs/') || entry.type === 'directory') continue;
    files.set(name.slice('configs/'.length), entry);
  }
  return files;
}

export function planRestore(
  seed: readonly ConfigFile[],
  volume: ReadonlyMap<string, TarEntry>,
  o: { readonly overwrite: boolean; readonly from?: SeedOrigin },
): RestorePlan {
  const from = o.from ?? 'template';
  const files: RestoreFile[] = [];
  const writes: ConfigFile[] = [];
  for (const file of seed) {
    const there = volume.get(file.path);
    const action = !there
      ? 'added'
      : o.overwrite || isBrokenConfig(file.path, there)
        ? 'overwritten'
        : 'kept';
    if (action === 'kept') continue; // listed below, as the volume's
    writes.push(file);
    files.push({
      path: file.path,
      action,
      bytes: file.content.length,
      digest: sha256Digest(file.content),
      from: file.path === MARKER_FILE ? 'template' : from,
    });
  }
  const written = new Set(writes.map((f) => f.path));
  for (const [path, entry] of volume) {
    if (written.has(path)) continue;
    files.push({
      path,
      action: 'kept',
      bytes: entry.size,
      digest: entry.content ? sha256Digest(entry.content) : null,
      from: 'volume',
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const kept = files.some((f) => f.action === 'kept' && f.path !== MARKER_FILE);
  const planned = files
    .filter((f) => f.path !== MARKER_FILE)
    .map((f) => [f.path, f.action, f.from, f.digest]);
  const digest = sha256Digest(Buffer.from(JSON.stringify(planned)));
  return { source: kept && !o.overwrite ? 'fill' : from, files, writes, digest };
}

/** config.yaml that is there but cannot be what the runtime reads: not a file, or not a YAML mapping. */
export function isBrokenConfig(path: string, entry: TarEntry): boolean {
  if (path !== 'config.yaml') return false;
  if (entry.type !== 'file' || !entry.content) return true;
  try {
    const doc: unknown = parse(entry.content.toString('utf8'));
    return doc === null || typeof doc !== 'object' || Array.isArray(doc);
  } catch {
    return true;
  }
}

/** PLAN_CHANGED unless `given` (a run's `plan`, when it has one) is this plan's digest. */
export function holdToPlan(given: string | undefined, volume: string, plan: RestorePlan): void {
  if (!given || given === plan.digest) return;
  throw new PlanChangedError(
    `${volume} changed since the plan ${given.slice(0, 19)}: a run now would ${planSummary(plan)} (plan ${plan.digest.slice(0, 19)})`,
    { hint: 'run the dry run again, check its files, and run with its --plan (or without --plan)' },
  );
}

/** One line for a step's detail: `2 added, 1 overwritten, 14 kept (fill)`. */
export function planSummary(plan: RestorePlan): string {
  const count = (a: RestoreFile['action']) => plan.files.filter((f) => f.action === a).length;
  return `${count('added')} added, ${count('overwritten')} overwritten, ${count('kept')} kept (${plan.source})`;
}
