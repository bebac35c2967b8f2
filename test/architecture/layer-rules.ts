// The layers of src/, lowest first, as docs/architecture.md explains them. A folder may import
// a folder of a lower layer, never one of its own layer or above (the layer test checks it).
export const LAYERS: Readonly<Record<string, number>> = {
  // The provisioning core: the recovery, its policy, its store; ports, no adapter, no door.
  core: 0,
  // Adapters: the ports' implementations and outside systems' clients, and what they share.
  db: 1,
  docker: 1,
  github: 1,
  http: 1,
  markdown: 1,
  queue: 1,
  // Services over the core and the adapters, shared by doors.
  bootstrap: 2,
  demo: 2,
  dispatch: 2,
  metrics: 2,
  notify: 2,
  // Long-running parts built from the services.
  api: 3,
  dashboard: 3,
  watch: 3,
  fleet: 4,
  // ChatOps: what the app and the action answer a comment or an incident with.
  chatops: 4,
  // The doors: a process's entry.
  action: 5,
  app: 5,
  cli: 5,
};
