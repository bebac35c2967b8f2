// The commands a comment can hold, and how each is built from its parsed flags once the
// targets are known: every problem a message that says what to type instead.
import { MAX_HOLD_MS, parseDuration } from '../core/index.js';
import type { Token } from './tokenize.js';

export type Command =
  | {
      readonly kind: 'recover';
      readonly targets: string[];
      readonly dryRun: boolean;
      readonly force: boolean;
      /** `--from template`: the template over the user's files; null: fill in what is missing. */
      readonly from?: 'template' | null;
      /** `--plan sha256:…`: a dry run's plan, run exactly or refused (PLAN_CHANGED). */
      readonly plan?: string;
      readonly reason: string | null;
    }
  | { readonly kind: 'diagnose'; readonly targets: string[] }
  | { readonly kind: 'rollback'; readonly runId: string }
  | { readonly kind: 'hold'; readonly targets: string[]; readonly forMs: number; readonly reason: string }
  | { readonly kind: 'release'; readonly targets: string[] }
  | { readonly kind: 'approve'; readonly id: string }
  | { readonly kind: 'deny'; readonly id: string; readonly reason: string | null }
  | { readonly kind: 'help' };

/** The longest reason kept in the audit trail. */
export const MAX_REASON = 500;

/** `/recover`'s flags as parsed (booleans, texts). */
export function recoverCommand(targets: string[], flags: ReadonlyMap<string, string | boolean>): Command {
  const reason = flags.get('--reason');
  const from = flags.get('--from');
  const plan = flags.get('--plan');
  if (plan !== undefined && !/^sha256:[0-9a-f]{64}$/i.test(String(plan)))
    throw new Error('/recover --plan takes the digest a dry run gave (sha256:<64 hex>)');
  if (from !== undefined && from !== 'template')
    throw new Error(`/recover --from takes \`template\` (got ${JSON.stringify(from)})`);
  return {
    kind: 'recover',
    targets,
    dryRun: flags.get('--dry-run') === true,
    force: flags.get('--force') === true,
    ...(from === 'template' ? { from } : {}),
    ...(typeof plan === 'string' ? { plan: plan.toLowerCase() } : {}),
    reason: typeof reason === 'string' ? reason : null,
  };
}

/** `/approve <id>`, `/deny <id> [--reason "why"]`: a request id is 8 hexadecimal characters. */
export function decision(word: 'approve' | 'deny', args: readonly Token[]): Command {
  const [id, ...rest] = args;
  if (!id || !/^[0-9a-f]{8}$/i.test(id.text))
    throw new Error(`/${word} takes a request id (8 characters, as the request says)`);
  if (word === 'approve') {
    if (rest.length > 0) throw new Error('/approve takes only the request id');
    return { kind: 'approve', id: id.text.toLowerCase() };
  }
  let reason: string | null = null;
  if (rest.length > 0) {
    const [flag, value, ...more] = rest;
    const inline = /^--reason=([\s\S]*)$/.exec(flag!.text)?.[1];
    reason = inline ?? (flag!.text === '--reason' ? (value?.text ?? null) : null);
    if (!reason || more.length > (inline !== undefined ? 1 : 0) || (inline !== undefined && value))
      throw new Error('/deny takes the request id and --reason "why" (quoted when it has several words)');
    if (reason.length > MAX_REASON)
      throw new Error(`--reason is ${reason.length} characters; at most ${MAX_REASON}`);
  }
  return { kind: 'deny', id: id.text.toLowerCase(), reason };
}

export function holdCommand(
  targets: string[],
  forText: string | boolean | undefined,
  reason: string | boolean | undefined,
): Command {
  if (typeof forText !== 'string') throw new Error('/hold needs --for, e.g. --for 2h (at most 7d)');
  const forMs = parseDuration(forText);
  if (forMs === null || forMs <= 0 || forMs > MAX_HOLD_MS)
    throw new Error(`--for ${forText} is not a duration of at most 7d, e.g. --for 2h or --for 30m`);
  if (typeof reason !== 'string')
    throw new Error('/hold needs --reason "why", shown to everyone it turns away');
  return { kind: 'hold', targets, forMs, reason };
}
