// The layers of src/ and of src/core, lowest first, with what each holds: the layer test
// checks the import graph against them, and `npm run docs` writes their tables into
// docs/architecture.md (so the page cannot leave a folder out). A folder may import a folder
// of a lower layer (or itself), never one of its own layer or above.

export interface Layer {
  readonly layer: number;
  readonly folders: readonly string[];
  readonly holds: string;
}

export const SRC_LAYERS: readonly Layer[] = [
  {
    layer: 0,
    folders: ['core'],
    holds:
      'the provisioning core: the recovery, its steps, its policy, its store; ports, no adapter, no door',
  },
  {
    layer: 1,
    folders: ['db', 'docker', 'engines', 'github', 'http', 'markdown', 'templates'],
    holds:
      "adapters: the ports' implementations (pg and PGlite, the migrations, Postgres NOTIFY wake-ups; dockerode), the fleet's engines and placements and its status, GitHub's client and payloads, the one HTTP server helper, GitHub-flavoured rendering of results, the runtime templates on disk (CONFIGS_DIR)",
  },
  {
    layer: 2,
    folders: ['bootstrap', 'demo', 'metrics', 'notifications', 'work'],
    holds:
      "services the doors share: opening the core from the environment and the stop signal, the demo's fixtures, Prometheus and `/healthz`, outbound notifications (Slack, webhooks, PagerDuty, Opsgenie), durable work (the fenced queue, the app's webhook jobs, the agents' tasks, the executor a door runs commands through)",
  },
  {
    layer: 3,
    folders: ['api', 'dashboard', 'watch'],
    holds: 'long-running parts: the HTTP API, the read-only dashboard, the watcher',
  },
  {
    layer: 4,
    folders: ['agent', 'chatops'],
    holds:
      '`medic agent`, the process on each Docker host (it heals with the watcher); the ChatOps flow the app and the action share',
  },
  {
    layer: 5,
    folders: ['action', 'app', 'cli'],
    holds: "the doors: a process's entry. No door imports another",
  },
];

export const CORE_LAYER_TABLE: readonly Layer[] = [
  {
    layer: 0,
    folders: ['model'],
    holds: 'values, errors and their catalog, configuration, ports, the result object: what the rest speaks',
  },
  {
    layer: 1,
    folders: ['policy'],
    holds: "the operator's policy as a document: its schema, what a rule grants, pure checks",
  },
  {
    layer: 2,
    folders: ['store'],
    holds:
      "SQL over medic's tables and the platform's, one file per table or concern (the policy's versions and the live-lease clause among them)",
  },
  {
    layer: 3,
    folders: ['run'],
    holds: 'one run: its lease, its steps as they end, its result as it is drafted, the events it sends',
  },
  {
    layer: 4,
    folders: ['admission'],
    holds:
      "what lets a command run: the policy's grant and approvals, holds, the breaker, refusals on the record",
  },
  {
    layer: 5,
    folders: ['steps'],
    holds: 'the steps of a recovery and what they read and write',
  },
  {
    layer: 6,
    folders: ['commands'],
    holds: 'the commands the doors call: recover, rollback, sweep, keep, audit, …',
  },
];

const ranks = (table: readonly Layer[]): Readonly<Record<string, number>> =>
  Object.fromEntries(table.flatMap((l) => l.folders.map((f) => [f, l.layer] as const)));

export const LAYERS = ranks(SRC_LAYERS);
export const CORE_LAYERS = ranks(CORE_LAYER_TABLE);

/** A layer table as docs/architecture.md shows it. */
export function layerTable(table: readonly Layer[]): string[] {
  return [
    '| layer | folders | what lives there |',
    '|--:|---|---|',
    ...table.map((l) => `| ${l.layer} | ${l.folders.map((f) => `\`${f}\``).join(', ')} | ${l.holds} |`),
  ];
}

/**
 * The imports that go up a layer, as `from -> to` lines: `layers` ranks the folders, `folderOf`
 * names a file's folder (null: a file the rule does not cover).
 */
export function upwardImports(
  graph: ReadonlyMap<string, readonly string[]>,
  layers: Readonly<Record<string, number>>,
  folderOf: (file: string) => string | null,
): string[] {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (from === null) continue;
    for (const target of targets) {
      const to = folderOf(target);
      if (to === null || to === from) continue;
      if (!(layers[to]! < layers[from]!))
        upward.push(`${file} -> ${target} (${from}: layer ${layers[from]}, ${to}: layer ${layers[to]})`);
    }
  }
  return upward;
}
