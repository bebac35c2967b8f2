// Packs files into a tar (tar-stream) for the Engine API's putArchive.
import tar from 'tar-stream';
import type { ConfigFile } from '../core/index.js';

export async function packFiles(files: readonly ConfigFile[], mtime: Date): Promise<Buffer> {
  const pack = tar.pack();
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime });
    }
    // A template's permission bits, never setuid or setgid (docs/security.md).
    pack.entry({ name: file.path, mode: file.mode & 0o1777, mtime, size: file.content.length }, file.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
