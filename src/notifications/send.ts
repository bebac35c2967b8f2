// One POST of an outbox row (or, for a Slack digest, of its group) to its sink: the body the
// sink's kind takes (Slack's blocks, PagerDuty's or Opsgenie's request, the signed webhook),
// cut after `timeoutMs`. Its error never holds the URL or the secret.
import { type Clock, type OutboxRow, redactSecrets } from '../core/index.js';
import { SIGNATURE_HEADER, signature, slackDigest, slackMessage } from './messages.js';
import { OPSGENIE_URL, PAGERDUTY_URL, pagerRequest } from './pager-messages.js';

export interface Sent {
  readonly url: string | undefined;
  readonly secret: string | undefined;
  readonly status: number | null;
  readonly error: string | null;
  readonly ms: number;
}

export async function sendRow(
  row: OutboxRow,
  group: readonly OutboxRow[],
  env: Readonly<Record<string, string | undefined>>,
  o: { readonly dashboardUrl: string | null; readonly timeoutMs: number; readonly clock: Clock },
): Promise<Sent> {
  const pager = row.kind === 'pagerduty' || row.kind === 'opsgenie';
  // An on-call service without a URL variable of its own is sent to the service's endpoint.
  const serviceOwn = pager && row.urlEnv === row.secretEnv;
  const url = serviceOwn ? (row.kind === 'pagerduty' ? PAGERDUTY_URL : OPSGENIE_URL) : env[row.urlEnv];
  const secret = row.secretEnv ? env[row.secretEnv] : undefined;
  const started = o.clock.monotonicMs();
  let status: number | null = null;
  let error: string | null = null;
  try {
    if (!url) throw new Error(`${row.urlEnv} is not set in this process`);
    if (row.secretEnv && !secret) throw new Error(`${row.secretEnv} is not set in this process`);
    const paged = pager ? pagerRequest(row, secret ?? '', serviceOwn ? null : url, o.dashboardUrl) : null;
    const body =
      paged?.body ??
      JSON.stringify(
        group.length > 1
          ? slackDigest(group, o.dashboardUrl)
          : row.kind === 'slack'
            ? slackMessage(row, o.dashboardUrl)
            : row.payload,
      );
    const res = await fetch(paged?.url ?? url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'workspace-medic',
        'x-medic-event': row.event,
        'x-medic-delivery': row.deliveryId,
        ...(paged?.headers ?? (secret ? { [SIGNATURE_HEADER]: signature(secret, body) } : {})),
      },
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
    if (status < 200 || status >= 300) error = `answered ${status}`;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    error =
      err.name === 'TimeoutError'
        ? `no answer within ${o.timeoutMs / 1000} s`
        : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
  }
  // Never a URL or a secret in what is stored: the message is redacted of both.
  const secrets = [url, secret].filter((x): x is string => Boolean(x));
  return {
    url,
    secret,
    status,
    error: error ? redactSecrets(error, secrets) : null,
    ms: Math.round(o.clock.monotonicMs() - started),
  };
}
