// The policy's notify sinks as the outbox and the operator see them: where each one's events
// go (its kind and variables), how `policy show` names it, and the runbook an on-call
// service's alert links to.
/** A sink as the policy holds it (policy.ts's schema), as far as where it sends is concerned. */
type NotifySink =
  | { readonly slack: { readonly url_env: string } }
  | { readonly webhook: { readonly url_env: string; readonly secret_env: string } }
  | {
      readonly pagerduty: { readonly routing_key_env: string; readonly url_env?: string | undefined };
      readonly severity: string;
    }
  | {
      readonly opsgenie: { readonly api_key_env: string; readonly url_env?: string | undefined };
      readonly severity: string;
    };

/** What medic tells the outside world about (docs/signal.md). */
export const EVENTS = [
  'recovery.failed',
  'recovery.succeeded',
  'budget.exhausted',
  'regression',
  'approval.requested',
  'hold.started',
  'hold.ended',
  'workspace.flapping',
  'workspace.stable',
  'workspace.at_risk',
  'breaker.opened',
  'breaker.closed',
  'heal.paused',
] as const;
export type MedicEvent = (typeof EVENTS)[number];

/** [pager] What an on-call service is told by default: what goes wrong, and its end. */
export const PAGER_EVENTS: readonly MedicEvent[] = [
  'recovery.failed',
  'budget.exhausted',
  'regression',
  'breaker.opened',
  'recovery.succeeded',
  'breaker.closed',
];

export function describeSink(n: NotifySink): string {
  if ('slack' in n) return `Slack ($${n.slack.url_env})`;
  if ('webhook' in n) return `webhook ($${n.webhook.url_env}, signed with $${n.webhook.secret_env})`;
  if ('pagerduty' in n)
    return `PagerDuty ($${n.pagerduty.routing_key_env}${n.pagerduty.url_env ? ` at $${n.pagerduty.url_env}` : ''}, ${n.severity})`;
  return `Opsgenie ($${n.opsgenie.api_key_env}${n.opsgenie.url_env ? ` at $${n.opsgenie.url_env}` : ''}, ${n.severity})`;
}

export type SinkKind = 'slack' | 'webhook' | 'pagerduty' | 'opsgenie';

/**
 * Where a sink's events go, as the outbox stores it: its kind, the variable holding its URL and
 * the one holding its secret (a webhook's signing secret, PagerDuty's routing key, Opsgenie's
 * API key). An on-call service without `url_env` has its URL variable equal to its secret's:
 * the service's public endpoint.
 */
export function sinkTarget(sink: NotifySink): { kind: SinkKind; urlEnv: string; secretEnv: string | null } {
  if ('slack' in sink) return { kind: 'slack', urlEnv: sink.slack.url_env, secretEnv: null };
  if ('webhook' in sink)
    return { kind: 'webhook', urlEnv: sink.webhook.url_env, secretEnv: sink.webhook.secret_env };
  if ('pagerduty' in sink) {
    const key = sink.pagerduty.routing_key_env;
    return { kind: 'pagerduty', urlEnv: sink.pagerduty.url_env ?? key, secretEnv: key };
  }
  const key = sink.opsgenie.api_key_env;
  return { kind: 'opsgenie', urlEnv: sink.opsgenie.url_env ?? key, secretEnv: key };
}

/** The runbook of a workspace of this runtime: its own, else the default, else none. */
export function runbookFor(
  policy: { readonly runbooks: Readonly<Record<string, string>> },
  runtime: string | null | undefined,
): string | null {
  return (runtime ? policy.runbooks[runtime] : undefined) ?? policy.runbooks.default ?? null;
}
