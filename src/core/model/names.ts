// The platform's naming rules: a workspace uuid maps to container `ws-<id12>` and volume
// `ws-<id12>-configs`, where id12 is the first 12 characters of the uuid's text (so it
// includes the uuid's first hyphen). A target names a workspace by either form.
import { InvalidTargetError } from './errors.js';

const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ID12_TEXT = '[0-9a-f]{8}-[0-9a-f]{3}';
const UUID = new RegExp(`^${UUID_TEXT}$`);
const CONTAINER = new RegExp(`^ws-(${ID12_TEXT})$`);
const MENTION = new RegExp(`\\bws-${ID12_TEXT}\\b`, 'g');

/** A uuid in its canonical text form (any case). Run ids and workspace ids are uuids. */
export function isUuid(text: string): boolean {
  return UUID.test(text.toLowerCase());
}

/** A workspace's container name exactly as the engine reports it (`ws-<id12>`, lower case). */
export function isContainerName(name: string): boolean {
  return CONTAINER.test(name);
}

/** The distinct container names (`ws-<id12>`) that a text mentions, in order, at most `max`. */
export function mentionedWorkspaces(text: string, max: number): string[] {
  return [...new Set(text.toLowerCase().match(MENTION) ?? [])].slice(0, max);
}

export const CONFIGS_MOUNT = '/configs';

export interface Target {
  /** What the caller typed, for messages. */
  readonly input: string;
  /** Lower-case id prefix (12 characters) or a whole uuid. */
  readonly idPrefix: string;
  readonly exact: boolean;
}

export function parseTarget(input: string): Target {
  const text = input.trim().toLowerCase();
  if (UUID.test(text)) return { input, idPrefix: text, exact: true };
  const match = CONTAINER.exec(text);
  if (match?.[1]) return { input, idPrefix: match[1], exact: false };
  throw new InvalidTargetError(
    `"${printable(input)}" is not a workspace: expected ws-<first 12 characters of the uuid> (e.g. ws-92f6d88b-6a9) or a full uuid`,
    { hint: 'copy the container name from `docker ps` or the id from the workspaces table' },
  );
}

export function containerName(workspaceId: string): string {
  return `ws-${workspaceId.slice(0, 12)}`;
}

export function volumeName(workspaceId: string): string {
  return `${containerName(workspaceId)}-configs`;
}

/**
 * Text as it may be stored and shown: control characters (escape sequences that would drive
 * a terminal, NUL, carriage returns) and bidirectional overrides removed; newlines and tabs
 * kept only when `multiline`.
 */
export function stripControl(text: string, multiline = false): string {
  const out = text.replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
  return multiline
    ? out.replace(/(?![\n\t])\p{Cc}/gu, '')
    : out.replace(/\p{Cc}/gu, ' ').replace(/ {2,}/g, ' ');
}

/** A string safe to put in a one-line message: control characters shown as escapes, capped. */
export function printable(text: string, max = 80): string {
  const shown = JSON.stringify(text).slice(1, -1);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
