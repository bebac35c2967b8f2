// The queue's public face: what the app's jobs and the agents' tasks are stored and run with.
// Neither door owns it; both import it from here.
export { fencedQueue, MAX_RECLAIMS, type QueueSpec } from './fenced-queue.js';
export { backoffS, type Claimed, RetryLater, type WorkQueue } from './work-queue.js';
export { JobWorker, type WorkerOptions, workerName } from './worker.js';
