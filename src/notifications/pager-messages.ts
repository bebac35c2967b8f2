// [pager] What PagerDuty (Events API v2) and Opsgenie (Alert API) are sent for an outbox row:
// a trigger or a resolve under the row's key (`dedup_key`, `alias`), with the workspace, the
// outcome, the error's code and class, a link to the run's page on the dashboard
// (MEDIC_DASHBOARD_URL) and the runbook (the policy's `runbooks`). Resolves carry no detail.
import { type OutboxRow, pagerAction } from '../core/index.js';

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
export const OPSGENIE_URL = 'https://api.opsgenie.com';

interface PagerRow {
  readonly object?: {
    readonly runId?: string;
    readonly outcome?: string;
    readonly source?: string;
    readonly class?: string | null;
    readonly scope?: string;
    readonly why?: string | null;
    readonly workspace?: { readonly container?: string; readonly runtime?: string | null };
    readonly error?: { readonly code: string; readonly message: string } | null;
    readonly counts?: { readonly broken?: number; readonly total?: number; readonly limit?: number };
  };
  readonly pager?: {
    readonly severity?: 'critical' | 'error' | 'warning' | 'info';
    readonly component?: string | null;
    readonly group?: string | null;
    readonly runbook?: string | null;
    readonly key?: string | null;
  };
}

export interface PagerRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

const PRIORITY = { critical: 'P1', error: 'P2', warning: 'P3', info: 'P5' } as const;

/** One line: what happened to what. */
function summary(row: Pick<OutboxRow, 'event'>, p: PagerRow): string {
  const o = p.object ?? {};
  if (o.scope) return `medic: ${row.event} in ${o.scope}${o.why ? `: ${o.why}` : ''}`;
  const ws = o.workspace?.container ?? 'a workspace';
  return `medic: ${ws} ${row.event}${o.error ? ` (${o.error.code}${o.class ? `, ${o.class}` : ''})` : ''}`;
}

function links(p: PagerRow, dashboardUrl: string | null): Array<{ href: string; text: string }> {
  const o = p.object ?? {};
  return [
    ...(dashboardUrl && o.runId
      ? [
          {
            href: `${dashboardUrl.replace(/\/$/, '')}/runs/${encodeURIComponent(o.runId)}`,
            text: `medic run ${o.runId.slice(0, 8)}`,
          },
        ]
      : []),
    ...(p.pager?.runbook ? [{ href: p.pager.runbook, text: 'runbook' }] : []),
  ];
}

type PagerInput = Pick<OutboxRow, 'event' | 'payload' | 'kind'>;

/** The request for a row of a PagerDuty or Opsgenie sink; `base` is the URL its variable gave, or null (the service's own). */
export function pagerRequest(
  row: PagerInput,
  key: string,
  base: string | null,
  dashboardUrl: string | null,
): PagerRequest {
  const p = row.payload as PagerRow;
  const alert: Alert = {
    row,
    p,
    o: p.object ?? {},
    dedup: p.pager?.key ?? 'medic',
    resolve: (pagerAction(row.event) ?? 'trigger') === 'resolve',
    key,
    base,
    dashboardUrl,
  };
  return row.kind === 'pagerduty' ? pagerDutyRequest(alert) : opsgenieRequest(alert);
}

// What both services' requests are made of: the row, its payload and object, the dedup key
// (PagerDuty's dedup_key, Opsgenie's alias), whether the event resolves, and where it goes.
interface Alert {
  readonly row: PagerInput;
  readonly p: PagerRow;
  readonly o: NonNullable<PagerRow['object']>;
  readonly dedup: string;
  readonly resolve: boolean;
  readonly key: string;
  readonly base: string | null;
  readonly dashboardUrl: string | null;
}

const JSON_TYPE = { 'content-type': 'application/json' };

// PagerDuty's Events API v2: a trigger, or a resolve of the same dedup key.
function pagerDutyRequest({ row, p, o, dedup, resolve, key, base, dashboardUrl }: Alert): PagerRequest {
  const body = resolve
    ? { routing_key: key, event_action: 'resolve', dedup_key: dedup }
    : {
        routing_key: key,
        event_action: 'trigger',
        dedup_key: dedup,
        payload: {
          summary: summary(row, p).slice(0, 1024),
          source: o.workspace?.container ?? o.scope ?? 'workspace-medic',
          severity: p.pager?.severity ?? 'error',
          ...(p.pager?.component ? { component: p.pager.component } : {}),
          ...(p.pager?.group ? { group: p.pager.group } : {}),
          ...(o.class ? { class: o.class } : {}),
          custom_details: {
            event: row.event,
            outcome: o.outcome,
            error: o.error ?? null,
            counts: o.counts ?? null,
          },
        },
        links: links(p, dashboardUrl),
        client: 'workspace-medic',
        ...(dashboardUrl ? { client_url: dashboardUrl } : {}),
      };
  return { url: base ?? PAGERDUTY_URL, body: JSON.stringify(body), headers: JSON_TYPE };
}

// Opsgenie's Alert API: an alert by alias, or the close of that alias.
function opsgenieRequest({ row, p, o, dedup, resolve, key, base, dashboardUrl }: Alert): PagerRequest {
  const root = (base ?? OPSGENIE_URL).replace(/\/$/, '');
  const auth = { ...JSON_TYPE, authorization: `GenieKey ${key}` };
  if (resolve) {
    return {
      url: `${root}/v2/alerts/${encodeURIComponent(dedup)}/close?identifierType=alias`,
      body: JSON.stringify({
        source: 'workspace-medic',
        note: `${row.event}${o.runId ? `: run ${o.runId}` : ''}`,
      }),
      headers: auth,
    };
  }
  const description = [
    summary(row, p),
    o.error ? `${o.error.code}: ${o.error.message}` : null,
    ...links(p, dashboardUrl).map((l) => `${l.text}: ${l.href}`),
  ]
    .filter(Boolean)
    .join('\n');
  const body = {
    message: summary(row, p).slice(0, 130),
    alias: dedup,
    description: description.slice(0, 15_000),
    source: 'workspace-medic',
    entity: o.workspace?.container ?? o.scope ?? 'workspace-medic',
    priority: PRIORITY[p.pager?.severity ?? 'error'],
    tags: ['workspace-medic', row.event, ...(o.class ? [o.class] : [])],
    details: {
      event: row.event,
      ...(p.pager?.component ? { component: p.pager.component } : {}),
      ...(p.pager?.group ? { group: p.pager.group } : {}),
      ...(p.pager?.runbook ? { runbook: p.pager.runbook } : {}),
    },
  };
  return { url: `${root}/v2/alerts`, body: JSON.stringify(body), headers: auth };
}
