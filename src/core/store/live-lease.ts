// The lease's SQL shared by the stores that count or skip live runs and by the lease itself
// (run/lease.ts): a workspace's advisory lock key, and whether a lease row has a live holder.

/** The workspace's advisory lock key: 64 bits of md5, so two workspaces never share one in practice. */
export const leaseLockKey = (param: string) =>
  `('x' || substr(md5('workspace-medic:lease:' || ${param}::text), 1, 16))::bit(64)::bigint`;

/** SQL that is true when the lease row aliased `l` has a live holder: unexpired, its lock held by some session. */
export const LIVE_LEASE = `(l.expires_at > now() AND EXISTS (
  SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
     AND k.classid = ((${leaseLockKey('l.workspace_id')} >> 32) & 4294967295)::oid
     AND k.objid = (${leaseLockKey('l.workspace_id')} & 4294967295)::oid))`;
