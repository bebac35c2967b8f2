// What state a workspace is in: its row, its container, its config volume and marker.
// Reads only; every door's `diagnose` and the first step of `recover` use it.
import { z } from 'zod';
import { ContainerNotFoundError } from '../model/errors.js';
import { containerName, printable, volumeName } from '../model/names.js';
import type { ContainerRuntime, ContainerState } from '../model/ports.js';
import type { BudgetView } from '../model/settings-values.js';
import { isParked, type WorkspaceRow, workspaceRowSchema } from '../store/workspace-store.js';

export const MARKER_FILE = '.provisioned';

export const markerSchema = z.object({
  template: z.string(),
  digest: z.string(),
  runId: z.string(),
  time: z.string(),
});
export type ProvisionedMarker = z.infer<typeof markerSchema>;

export type Verdict =
  | 'healthy' // config.yaml present, container running
  | 'stopped' // config.yaml present, container not running: start it
  | 'needs-seed' // config.yaml missing: reseed from the template
  | 'not-recoverable' // status removed/paused/hibernated
  | 'no-container'; // nothing medic can act on

export interface Diagnosis {
  readonly workspace: WorkspaceRow;
  readonly container: string;
  readonly volume: string;
  readonly state: ContainerState | null;
  readonly volumePresent: boolean;
  /** How many entries /configs holds; null when not listed (recover lists only when it must). */
  readonly entries: number | null;
  readonly configPresent: boolean;
  readonly markerPresent: boolean;
  /** The marker's content, when listed and readable. */
  readonly marker: ProvisionedMarker | null;
  readonly verdict: Verdict;
  /** The restart budget as `medic diagnose` shows it (absent inside a recovery's own diagnosis). */
  readonly budget?: BudgetView | null;
}

/** A Diagnosis as it crosses a process boundary (an agent's answer read by the app). */
export const diagnosisSchema: z.ZodType<Diagnosis, z.ZodTypeDef, unknown> = z.object({
  workspace: workspaceRowSchema,
  container: z.string(),
  volume: z.string(),
  state: z
    .object({
      name: z.string(),
      image: z.string(),
      running: z.boolean(),
      health: z.string().nullable(),
      exitCode: z.number().nullable(),
      configsVolume: z.string().nullable(),
    })
    .nullable(),
  volumePresent: z.boolean(),
  entries: z.number().nullable(),
  configPresent: z.boolean(),
  markerPresent: z.boolean(),
  marker: markerSchema.nullable(),
  verdict: z.enum(['healthy', 'stopped', 'needs-seed', 'not-recoverable', 'no-container']),
  budget: z
    .object({ used: z.number(), max: z.number(), window: z.string(), frees: z.string().nullable() })
    .nullable()
    .optional(),
});

export async function diagnose(
  runtime: ContainerRuntime,
  workspace: WorkspaceRow,
  options: { list?: boolean } = {},
): Promise<Diagnosis> {
  const container = containerName(workspace.id);
  const volume = volumeName(workspace.id);
  // Stats cost a millisecond; reading /configs costs ~40 ms (the engine spawns a tar helper),
  // so only the views that show the listing and the marker's content pay for it.
  const absent = (error: unknown) => {
    if (error instanceof ContainerNotFoundError) return null;
    throw error;
  };
  const [state, config, markerType, listing] = await Promise.all([
    runtime.inspect(container),
    runtime.statConfig(container, 'config.yaml').catch(absent),
    runtime.statConfig(container, MARKER_FILE).catch(absent),
    options.list ? runtime.listConfigs(container, [MARKER_FILE]).catch(absent) : null,
  ]);
  const mounted = Boolean(state?.configsVolume);
  // A named volume mounted at /configs exists; ask the engine only when the container cannot tell.
  const volumePresent = state?.configsVolume === volume ? true : await runtime.volumeExists(volume);
  const configPresent = mounted && config === 'file';
  const markerPresent = mounted && markerType === 'file';
  const markerEntry = listing?.find((e) => e.path === MARKER_FILE && e.type === 'file');
  const marker = markerEntry ? parseMarker(markerEntry.content ?? null) : null;
  return {
    workspace,
    container,
    volume,
    state,
    volumePresent,
    entries: mounted && listing ? listing.length : null,
    configPresent,
    markerPresent,
    marker,
    verdict: verdictOf(workspace.status, state, configPresent),
  };
}

/** Verdicts that `recover` would fix (a reseed, or a start of a stopped container). */
export function isFixable(verdict: Verdict): boolean {
  return verdict === 'needs-seed' || verdict === 'stopped';
}

function verdictOf(status: string, state: ContainerState | null, configPresent: boolean): Verdict {
  if (isParked(status)) return 'not-recoverable';
  if (!state?.configsVolume) return 'no-container';
  if (!configPresent) return 'needs-seed';
  return state.running ? 'healthy' : 'stopped';
}

function parseMarker(bytes: Buffer | null): ProvisionedMarker | null {
  if (!bytes) return null;
  try {
    const parsed = markerSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a marker that is not ours, or damaged, is reported as absent
  }
}

export function describe(d: Diagnosis): string {
  if (!d.state) return `container ${d.container} does not exist`;
  if (!d.state.configsVolume) return `container ${d.container} has no volume mounted at /configs`;
  const running = d.state.running ? 'running' : `stopped (exit ${d.state.exitCode ?? '?'})`;
  const health = d.state.health ? `, ${d.state.health}` : '';
  const config = d.configPresent
    ? 'config.yaml present'
    : d.entries === 0
      ? 'config volume empty'
      : d.entries === null
        ? 'config.yaml missing'
        : `config.yaml missing (${d.entries} other entries)`;
  // The marker is the volume's content, not medic's word: anyone who can write the volume
  // writes it, so a newline or an escape in it is shown as such, never acted on by a terminal
  // or taken for a line of medic's own.
  const marker = d.marker
    ? `, provisioned from ${printable(d.marker.template, 80)} by run ${printable(d.marker.runId, 40)}`
    : d.markerPresent
      ? ', .provisioned marker present'
      : ', no .provisioned marker';
  return `status ${d.workspace.status}, container ${running}${health}, ${config}${marker}`;
}
