// GitHub's repository roles, in order. The held role is GitHub's `role_name` (admin,
// maintain, write, triage, read): `maintain` is not `write`, though the legacy `permission`
// field says `write` for both.
export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A role's rank; an unknown role (`none`, a custom role medic does not know) ranks lowest. */
export function permissionRank(role: string): number {
  return PERMISSIONS.indexOf(role as Permission);
}

export function holdsAtLeast(held: string, required: Permission): boolean {
  return permissionRank(held) >= permissionRank(required);
}
