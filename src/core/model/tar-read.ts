// Reads the entries of a tar stream with tar-stream, optionally keeping their bytes: the
// snapshot check reads a snapshot before a rollback trusts it, and the Docker adapter reads
// what the engine's archive endpoints send.
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

export interface TarEntry {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** A link's target, for symlinks and hard links. */
  readonly linkname: string | null;
  readonly content: Buffer | null;
}

export interface ReadOptions {
  readonly maxEntries: number;
  readonly keepContent: (path: string) => boolean;
  readonly maxBytes?: number;
}

export async function readTarEntries(
  source: NodeJS.ReadableStream | Buffer,
  options: ReadOptions,
): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  let kept = 0;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.on('entry', (header, stream, next) => {
    const type =
      header.type === 'file' || header.type === 'contiguous-file'
        ? 'file'
        : header.type === 'directory'
          ? 'directory'
          : header.type === 'symlink' || header.type === 'link'
            ? 'symlink'
            : 'other';
    const keep = type === 'file' && options.keepContent(header.name);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      if (!Buffer.isBuffer(chunk)) return;
      if (!keep) return;
      kept += chunk.length;
      if (options.maxBytes !== undefined && kept > options.maxBytes) {
        extract.destroy(new RangeError(`tar content exceeds ${options.maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (entries.length < options.maxEntries) {
        entries.push({
          path: header.name,
          type,
          size: header.size ?? 0,
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          linkname: header.linkname ?? null,
          content: keep ? Buffer.concat(chunks) : null,
        });
      }
      next();
    });
    stream.resume();
  });
  if (Buffer.isBuffer(source)) extract.end(source);
  else (source as Readable).pipe(extract);
  await done;
  return entries;
}
