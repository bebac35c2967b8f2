// The core's public face: what the doors (CLI, app, action, watcher) and the adapters may use.
// Everything else under src/core is internal and may change without notice. The core knows
// no door: it imports neither probot nor @actions, and reaches the world only through the
// ports below.

// The operator's policy
export { type Admission, isRefusal, refuseCommand } from './admission/admit.js';
export {
  type IntakePriority,
  intakePriority,
  REFUSAL_WINDOW_S,
  type RefusalAnswer,
  recordRefusal,
  type Silenced,
  silencedRefusal,
} from './admission/refusal-gate.js';
export { atATime } from './commands/at-a-time.js';
// Commands
export {
  type AuditProblem,
  type AuditReport,
  exportTrail,
  nextLink,
  type TrailHead,
  verifyTrail,
} from './commands/audit.js';
export { type Breaker, brakeChores, breakers, type ClosedBreaker, closeBreaker } from './commands/brake.js';
export { type Chore, type ChoreTiming, periodOf, runDueChores, scheduleChores } from './commands/chores.js';
export { type DiagnoseOptions, diagnoseTarget } from './commands/diagnose-target.js';
export { type Executor, localExecutor, lostItsSession, retryingExecutor } from './commands/executor.js';
export { history } from './commands/history.js';
export { type HoldSubject, hold, holdSubject, MAX_HOLD_MS, release } from './commands/holds.js';
export { keepChores, type Look, lookAndKeep } from './commands/keep.js';
export { type RotateReport, rotateKeys } from './commands/keys.js';
export { type Preflight, type PreflightRequest, preflight } from './commands/preflight.js';
export { type PruneOptions, type PruneReport, prune, pruneChore, pruneDaily } from './commands/prune.js';
export { recover } from './commands/recover.js';
export { type RecoverManyOptions, recoverMany } from './commands/recover-many.js';
export { rollback } from './commands/rollback.js';
export {
  failedNow,
  failureTriggerInstalled,
  type HealingVerdict,
  healingVerdict,
  type SweepOptions,
  type SweepProgress,
  type SweepReport,
  sweep,
  sweepCandidates,
} from './commands/sweep.js';
export { type TemplateReport, templates } from './commands/templates.js';
export { type Backoff, backoffCeilingMs, backoffMs } from './model/backoff.js';
export { PER_ENGINE_CPU, recoveriesAtATime } from './model/concurrency.js';
// The model: configuration, errors, names, the result object, ports
export {
  loadConfig,
  type MedicConfig,
  parseDuration,
  parseSettings,
  type RestartBudget,
} from './model/config.js';
export {
  type DataKeys,
  dataKeysFrom,
  keyIdOf,
  newDataKey,
  openBytes,
  type StoredBytes,
  sealBytes,
} from './model/data-cipher.js';
export type { Approval, CoreDeps, RunOptions, StepListener } from './model/deps.js';
export { sha256Digest } from './model/digest.js';
export { type CatalogEntry, ERROR_CATALOG, nextStep } from './model/error-catalog.js';
export * from './model/errors.js';
export {
  type Classified,
  classifyFailure,
  FAILURE_CLASSES,
  type FailureClass,
} from './model/failure-class.js';
export {
  CONFIGS_MOUNT,
  containerName,
  isContainerName,
  isUuid,
  mentionedWorkspaces,
  parseTarget,
  printable,
  stripControl,
  type Target,
  volumeName,
} from './model/names.js';
export { holdsAtLeast, PERMISSIONS, type Permission, permissionRank } from './model/permissions.js';
export type {
  Clock,
  ConfigFile,
  ConfigsExport,
  ContainerRuntime,
  ContainerState,
  Database,
  Logger,
  Queryable,
  QueryResult,
  ReadAhead,
  RunTracer,
  TemplateSource,
  TemplateTree,
  VolumeEntry,
} from './model/ports.js';
export { silentLogger, systemClock } from './model/ports.js';
export { redactSecrets, redactUrl, secretsOf } from './model/redact.js';
export {
  approvalSchema,
  changedWorkspace,
  isSuccess,
  type Origin,
  OUTCOMES,
  type Outcome,
  originSchema,
  type RecoveryResult,
  resultSchema,
  SOURCES,
  type Source,
  type Step,
  stepSchema,
} from './model/result.js';
export type { BudgetView } from './model/settings-values.js';
export { settledWithin } from './model/settled-within.js';
export { readTarEntries, type TarEntry } from './model/tar-read.js';
export { TRACEPARENT, validTraceparent } from './model/trace-context.js';
export {
  type ClientGrant,
  checkClient,
  checkGrant,
  type Grant,
  type GrantSource,
  grantedRule,
} from './policy/grant.js';
export {
  CLIENT_ABILITIES,
  type ClientAbility,
  describePolicy,
  EVENTS,
  type MedicEvent,
  type NotifySink,
  PAGER_EVENTS,
  type Policy,
  type PolicyClient,
  type PolicyRule,
  repoFits,
  runbookFor,
  type SinkKind,
  selects,
  sinkTarget,
} from './policy/policy.js';
export { formatOf, type PolicyFormat, parsePolicy } from './policy/policy-text.js';
export { COMMANDS_PER_WINDOW, takeCommandSlots, WINDOW_S } from './policy/rate-limit.js';
export {
  GITHUB_ACCESS_VARS,
  type GitHubRepo,
  newRepositoryWarnings,
  type RepoDirectory,
  type Resolution,
  type Resolved,
  resolvePolicy,
} from './policy/resolution.js';
// Runs, diagnoses and the audit trail, as the doors read them
export { leaseLapsesInMs, leasesHeld } from './run/lease.js';
export { unstartedResult } from './run/result-draft.js';
export { emit } from './run/signals.js';
export { type Diagnosis, describe, diagnosisSchema, isFixable, type Verdict } from './steps/diagnose.js';
export {
  abandonOrphanedRuns,
  budgetUses,
  budgetView,
  type HistoryEntry,
  workspaceHistory,
} from './store/audit-store.js';
export { listBreakers } from './store/breaker-store.js';
export { type ChoreRow, choreTrail, latestChores } from './store/chore-store.js';
export {
  type Overview,
  overview,
  type RunDetail,
  type RunRow,
  recentRuns,
  runDetail,
} from './store/dashboard-store.js';
export { type Flapping, flappingAmong, flappingOf } from './store/flapping-store.js';
export {
  countHeldFailing,
  describeHold,
  type Hold,
  type HoldScope,
  holdsOf,
  listHolds,
} from './store/hold-store.js';
export { type AtRisk, listAtRisk } from './store/keep-look-store.js';
export { type KeptCopy, latestCopy, listCopies, pruneBlobs } from './store/keep-store.js';
export { claimSlackGroups } from './store/outbox-digest.js';
export {
  claimDue,
  type OutboxRow,
  SINK_TRIP_AFTER,
  settleAttempt,
  type Undelivered,
  undelivered,
} from './store/outbox-store.js';
export { type PagerAction, pagerAction } from './store/pager-store.js';
export { persistently } from './store/persistently.js';
export { applyPolicy, currentPolicy, type StoredPolicy } from './store/policy-store.js';
export { type Report, regressionsOf, report } from './store/report-store.js';
export type { PruneCounts } from './store/retention.js';
export { type AuditCheck, lastCheck } from './store/seal-store.js';
export { type KeyCount, keyInventory } from './store/sealed-rows.js';
export { findWorkspace, isParked, type WorkspaceRow } from './store/workspace-store.js';
