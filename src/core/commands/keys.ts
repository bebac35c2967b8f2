// medic keys [rotate]: what snapshots and last good copies are sealed under, and moving them
// all to the current key ([keep], data-cipher.ts). A rotation opens each row sealed under
// another key (or none), checks it against its digest, seals it again under MEDIC_DATA_KEY's
// first key, and writes it back only if nobody changed it meanwhile. A row that does not open
// to its digest is left as it is and counted: a rotation never launders altered bytes.
import { type DataKeys, openToDigest, sealBytes } from '../model/data-cipher.js';
import type { CoreDeps } from '../model/deps.js';
import { InvalidConfigError } from '../model/errors.js';
import type { Queryable } from '../model/ports.js';
import { resealRow, type SealedTable, sealedPages } from '../store/sealed-rows.js';

export interface RotateReport {
  readonly keyId: string;
  /** Rows sealed again under the current key. */
  readonly moved: number;
  /** Rows left as they were: their bytes do not open to their digest. */
  readonly altered: number;
  /** Keys rows are sealed under that MEDIC_DATA_KEY does not hold (those rows left as they were). */
  readonly missingKeys: readonly string[];
}

/** Seals every snapshot and blob under the current key; `onProgress` after each page. */
export async function rotateKeys(
  deps: CoreDeps,
  onProgress: (done: number) => void = () => {},
): Promise<RotateReport> {
  const keys = deps.config.dataKeys;
  if (!keys)
    throw new InvalidConfigError('MEDIC_DATA_KEY is unset: there is no key to seal under', {
      hint: 'set MEDIC_DATA_KEY to 32 random bytes in base64 (openssl rand -base64 32); to change keys, give new,old',
    });
  const report = { keyId: keys.currentId, moved: 0, altered: 0, missingKeys: new Set<string>() };
  for (const table of ['snapshots', 'keep_blobs'] as const)
    await rotateTable(deps.db, keys, table, report, onProgress);
  return { ...report, missingKeys: [...report.missingKeys] };
}

async function rotateTable(
  db: Queryable,
  keys: DataKeys,
  table: SealedTable,
  report: { moved: number; altered: number; missingKeys: Set<string> },
  onProgress: (done: number) => void,
): Promise<void> {
  for await (const page of sealedPages(db, table, { notUnder: keys.currentId })) {
    for (const row of page) {
      const { keyId } = row.stored;
      if (keyId !== null && !keys.byId.has(keyId)) {
        report.missingKeys.add(keyId);
        continue;
      }
      let plain: Buffer;
      try {
        plain = openToDigest(keys, row.stored, row.aad, row.digest, row.id);
      } catch {
        report.altered++;
        continue;
      }
      if (await resealRow(db, table, row, sealBytes(keys, plain, row.aad))) report.moved++;
    }
    onProgress(report.moved);
  }
}
