// [keep] Healing at risk: when the policy says `restore: {heal_at_risk: true}`, a look that
// finds a workspace at risk (its volume lost files its last good copy had) and whose diagnosis
// says it needs a seed (config.yaml gone) recovers it then, before the platform marks it
// failed, as the automatic paths would after: a dry run first, and the run bound to that plan
// only if it adds files and overwrites none (fill-in only). A workspace that lost only files the
// diagnosis does not need (a skill) stays at risk, said, for a person: there is nothing broken
// to restart it for.
import type { CoreDeps } from '../model/deps.js';
import type { RecoveryResult } from '../model/result.js';
import { currentPolicy } from '../store/policy-store.js';
import { diagnoseTarget } from './diagnose-target.js';
import { recover } from './recover.js';

export type HealAtRisk =
  | { readonly healed: false; readonly why: string }
  | { readonly healed: true; readonly result: RecoveryResult };

export async function healAtRisk(deps: CoreDeps, workspaceId: string, actor: string): Promise<HealAtRisk> {
  const policy = (await currentPolicy(deps.db).catch(() => null))?.policy ?? null;
  if (!policy?.restore.heal_at_risk) return { healed: false, why: 'the policy does not heal at risk' };
  const found = await diagnoseTarget(deps, workspaceId);
  if (found.verdict !== 'needs-seed')
    return { healed: false, why: `its diagnosis is ${found.verdict}: nothing broken to restart it for` };
  const base = {
    actor,
    source: 'auto' as const,
    reason: 'automatic: at risk (its volume lost files of its last good copy), fill-in only',
  };
  const planned = await recover(deps, workspaceId, { ...base, dryRun: true });
  if (planned.outcome !== 'planned' || !planned.restore?.plan)
    return {
      healed: false,
      why: `its dry run was ${planned.outcome}${planned.error ? ` (${planned.error.code})` : ''}`,
    };
  const overwrites = planned.restore.files.filter((f) => f.action === 'overwritten').map((f) => f.path);
  if (overwrites.length > 0)
    return {
      healed: false,
      why: `it would overwrite ${overwrites.join(', ')}: fill-in only, left for a person`,
    };
  return { healed: true, result: await recover(deps, workspaceId, { ...base, plan: planned.restore.plan }) };
}
