// [keep] What a seed writes: the workspace's last good copy (its files as they were when last
// seen healthy, taken within the policy's `restore.max_age`, or the admitting rule's), else the
// runtime's template.
// Asked for the template (`from: template`, a forced reseed), it is the template.
import type { ConfigFile } from '../model/ports.js';
import { lastGoodMaxAgeMs } from '../model/restore-policy.js';
import type { Run } from '../run/run.js';
import { copyFiles, type KeptCopy, latestCopy } from '../store/keep-store.js';
import { currentPolicy } from '../store/policy-store.js';
import type { SeedOrigin } from './restore-plan.js';
import type { Template } from './template-resolver.js';

export interface SeedSource {
  readonly from: SeedOrigin;
  readonly files: readonly ConfigFile[];
  /** The copy restored, when it is one. */
  readonly copy: KeptCopy | null;
}

export async function seedSource(run: Run, template: Template, templateOnly: boolean): Promise<SeedSource> {
  const fromTemplate: SeedSource = { from: 'template', files: template.files, copy: null };
  if (templateOnly) return fromTemplate;
  const policy = (await currentPolicy(run.deps.db).catch(() => null))?.policy ?? null;
  const maxAgeMs = lastGoodMaxAgeMs(policy, run.options.restore);
  if (maxAgeMs === null) return fromTemplate;
  const since = new Date(run.deps.clock.now().getTime() - maxAgeMs);
  const copy = await latestCopy(run.session, run.workspace.id, since);
  if (!copy) return fromTemplate;
  return { from: 'last_good', files: await copyFiles(run.session, copy, run.deps.config.dataKeys), copy };
}

/** How a seed step says where its files came from. */
export function describeSource(source: SeedSource, template: Template): string {
  return source.copy
    ? `last good copy ${source.copy.id} (${source.copy.takenAt.toISOString()})`
    : template.name;
}
