// /configs as a tar, read through a container (the workspace's own, or a helper sharing its
// volume), bounded in size, with how many entries it holds besides /configs itself.
import type Docker from 'dockerode';
import { CONFIGS_MOUNT, type ConfigsExport, readTarEntries } from '../core/index.js';

/** RangeError past `maxBytes`; the engine's own failures as dockerode throws them. */
export async function exportThrough(container: Docker.Container, maxBytes: number): Promise<ConfigsExport> {
  const stream = await container.getArchive({ path: CONFIGS_MOUNT });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new RangeError(`volume content exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const tar = Buffer.concat(chunks);
  // Every entry takes at least one 512-byte header, so this bound never cuts the count short.
  const listed = await readTarEntries(tar, {
    maxEntries: Math.ceil(tar.length / 512),
    keepContent: () => false,
  });
  const entries = listed.filter((e) => e.path.replace(/\/$/, '') !== 'configs').length;
  return { tar, entries };
}
