// The floor every command from GitHub meets before anything is echoed: the repository must be
// granted by the operator's policy (by its GitHub id: no GitHub call), and the commenter must
// hold the rule's permission. A commenter already refused twice here in the last 10 minutes
// is not looked up again (refusal-gate.ts), so a flood of strangers costs no GitHub call.
import {
  type CoreDeps,
  currentPolicy,
  GitHubUnavailableError,
  type GrantSource,
  grantedRule,
  holdsAtLeast,
  type Permission,
  PermissionDeniedError,
  type PolicyRule,
  RefusalError,
  silencedRefusal,
} from '../core/index.js';
import type { GitHubPort } from '../github/github-port.js';

export type Floor =
  | { readonly kind: 'granted'; readonly rule: PolicyRule; readonly held: string }
  | { readonly kind: 'refused'; readonly error: RefusalError; readonly held: string }
  | { readonly kind: 'unavailable'; readonly error: GitHubUnavailableError };

/** The role recorded for a refusal decided before the commenter's role was looked up. */
export const NOT_LOOKED_UP = 'not looked up';

export async function checkFloor(
  core: CoreDeps,
  github: GitHubPort,
  who: {
    readonly actor: string;
    readonly source: GrantSource;
    /** The floor when it is not the rule's permission (an incident's read-only diagnosis). */
    readonly permission?: (rule: PolicyRule) => Permission;
  },
): Promise<Floor> {
  const { actor, source } = who;
  let rule: PolicyRule;
  try {
    rule = grantedRule(await currentPolicy(core.db), source);
  } catch (error) {
    if (error instanceof RefusalError) return { kind: 'refused', error, held: NOT_LOOKED_UP };
    throw error;
  }
  const required = who.permission?.(rule) ?? rule.permission;
  const denied = (held: string) => ({
    kind: 'refused' as const,
    error: new PermissionDeniedError({ required, held, on: source.repo }),
    held,
  });
  const silenced = await silencedRefusal(core.db, actor, source.repo);
  if (silenced?.code === 'PERMISSION_DENIED' && !holdsAtLeast(silenced.held, required)) {
    return denied(silenced.held);
  }
  let held: string;
  try {
    held = await github.permissionOf(actor);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    return {
      kind: 'unavailable',
      error: new GitHubUnavailableError(
        `could not look up @${actor}'s permission on ${source.repo}: GitHub answered ${typeof status === 'number' ? status : (error as Error).message}`,
        { hint: 'nothing was run; comment the command again in a minute', cause: error },
      ),
    };
  }
  return holdsAtLeast(held, required) ? { kind: 'granted', rule, held } : denied(held);
}

/**
 * Runs the floor checks of one actor in one repository one after another in this process, so
 * that a burst of their comments asks GitHub at most twice before the refusals that follow are
 * silenced (concurrent checks would all look before any refusal is recorded). Replicas each
 * keep their own: across N of them, at most N more look-ups.
 */
export class FloorQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(actor: string, repo: string, fn: () => Promise<T>): Promise<T> {
    const key = `${actor.toLowerCase()} ${repo.toLowerCase()}`;
    const prior = this.tails.get(key) ?? Promise.resolve();
    const next = prior.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
