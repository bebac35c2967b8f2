// The one way medic names bytes by their content: `sha256:<hex>` (snapshots, file digests in
// plans and results, last good copies' blobs and manifests).
import { createHash } from 'node:crypto';

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
