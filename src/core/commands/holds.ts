// hold and release: an operator (the CLI) or a maintainer (ChatOps, the rule's elevated role)
// keeps medic off workspaces for a while, with a reason; `all` or an engine holds the
// automatic paths off the whole fleet or one host (a maintenance window), for operators only.
import type { CoreDeps, RunOptions } from '../model/deps.js';
import { InvalidConfigError, MedicError, PermissionDeniedError } from '../model/errors.js';
import { containerName, parseTarget, stripControl } from '../model/names.js';
import { checkGrant } from '../policy/grant.js';
import { emit } from '../run/signals.js';
import { endHolds, type Hold, type HoldScope, insertHold } from '../store/hold-store.js';
import { currentPolicy } from '../store/policy-store.js';
import { findWorkspace, type WorkspaceRow } from '../store/workspace-store.js';

/** What a hold is on: workspaces (by target), the whole fleet, or one engine. */
export type HoldSubject =
  | { readonly targets: readonly string[] }
  | { readonly all: true }
  | { readonly engine: string };

/** The longest hold: a week (a hold is a pause, not a way to switch medic off). */
export const MAX_HOLD_MS = 7 * 24 * 3600 * 1000;

type Requester = Pick<RunOptions, 'actor' | 'source' | 'grant'>;

export async function hold(
  deps: CoreDeps,
  subject: HoldSubject,
  request: Requester & { readonly reason: string; readonly forMs: number },
): Promise<Hold[]> {
  const reason = stripControl(request.reason).trim().slice(0, 500);
  if (!reason) throw new InvalidConfigError('a hold needs --reason: say why medic should keep off');
  if (!(request.forMs > 0 && request.forMs <= MAX_HOLD_MS)) {
    throw new InvalidConfigError('--for must be more than 0 and at most 7d', { hint: 'e.g. --for 2h' });
  }
  const base = {
    holder: request.actor,
    source: request.source,
    reason,
    forMs: request.forMs,
    origin: request.grant?.origin ?? null,
  };
  if (!('targets' in subject)) {
    operatorOnly(request, 'hold');
    const engine = 'engine' in subject ? { engine: subject.engine } : {};
    const placed = await insertHold(deps.db, {
      ...base,
      scope: 'all' in subject ? 'all' : 'engine',
      ...engine,
    });
    await emit(deps, 'hold.started', placed, null);
    return [placed];
  }
  const placed: Hold[] = [];
  for (const row of await granted(deps, subject.targets, request)) {
    const h = await insertHold(deps.db, { ...base, scope: 'workspace', workspaceId: row.id });
    await emit(deps, 'hold.started', h, row);
    placed.push(h);
  }
  return placed;
}

export async function release(deps: CoreDeps, subject: HoldSubject, request: Requester): Promise<Hold[]> {
  const ended: Hold[] = [];
  if (!('targets' in subject)) {
    operatorOnly(request, 'release');
    const scope: HoldScope = 'all' in subject ? 'all' : 'engine';
    const engine = 'engine' in subject ? { engine: subject.engine } : {};
    for (const h of await endHolds(deps.db, { scope, ...engine }, request.actor, 'released')) {
      await emit(deps, 'hold.ended', h, null);
      ended.push(h);
    }
    return ended;
  }
  for (const row of await granted(deps, subject.targets, request)) {
    for (const h of await endHolds(
      deps.db,
      { scope: 'workspace', workspaceId: row.id },
      request.actor,
      'released',
    )) {
      await emit(deps, 'hold.ended', h, row);
      ended.push(h);
    }
  }
  return ended;
}

/** The workspaces the targets name; from GitHub, each under the rule's elevated role (else refused). */
async function granted(
  deps: CoreDeps,
  targets: readonly string[],
  request: Requester,
): Promise<WorkspaceRow[]> {
  const policy = request.grant ? await currentPolicy(deps.db) : null;
  const rows: WorkspaceRow[] = [];
  for (const target of targets) {
    const found = await findWorkspace(deps.db, parseTarget(target)).catch((error: unknown) => {
      if (!(error instanceof MedicError) || error.code === 'INTERNAL' || !request.grant) throw error;
      return error;
    });
    // From GitHub, a workspace that does not exist is answered as one outside the grant is
    // (as `/recover` answers it): the grant is checked first, so existence is no oracle.
    const workspace = found instanceof MedicError ? null : found;
    if (request.grant) checkGrant(policy, request.grant, { elevated: true, target, workspace });
    if (found instanceof MedicError) throw found;
    rows.push(found);
  }
  return rows;
}

function operatorOnly(request: Requester, what: string): void {
  if (!request.grant) return;
  throw new PermissionDeniedError({
    required: 'an operator (the CLI)',
    held: request.grant.role,
    on: request.grant.repo,
    because: `a ${what} of the fleet or of an engine is a maintenance window`,
  });
}

/** How a hold names its subject, for messages. */
export function holdSubject(h: Hold): string {
  if (h.scope === 'all') return 'every workspace (automatic paths)';
  if (h.scope === 'engine') return `engine ${h.engine} (automatic paths)`;
  return containerName(h.workspaceId ?? '');
}
