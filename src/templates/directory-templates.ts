// The TemplateSource of a directory (CONFIGS_DIR): one folder per template. Nothing read may
// leave it: the realpath of a template's folder and of every file in it must lie inside the
// directory (a symlink out is TEMPLATE_ESCAPE), and a template is capped in bytes and files.
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  asMedicError,
  type ConfigFile,
  TemplateEscapeError,
  TemplateInvalidError,
  TemplateNotFoundError,
  type TemplateSource,
  TemplateTooLargeError,
} from '../core/index.js';

const MAX_FILES = 2_000;

export function directoryTemplates(configsDir: string): TemplateSource {
  return {
    where: configsDir,
    async list() {
      const entries = await readdir(configsDir, { withFileTypes: true }).catch((error: unknown) => {
        throw asMedicError(error);
      });
      return entries
        .filter((e) => e.isDirectory() || e.isSymbolicLink())
        .map((e) => e.name)
        .sort();
    },
    async read(name, maxBytes) {
      const root = await realpath(configsDir).catch(() => {
        throw new TemplateNotFoundError(`CONFIGS_DIR ${configsDir} does not exist`, {
          hint: 'set CONFIGS_DIR to the directory that holds the runtime templates',
        });
      });
      const candidate = path.join(root, name);
      if (!(await lstat(candidate).catch(() => null))) return null;
      const dir = await realpath(candidate);
      assertInside(root, dir, name);
      if (!(await stat(dir)).isDirectory()) return null;
      return { dir: path.join(configsDir, name), files: await readTree(root, dir, maxBytes, name) };
    },
  };
}

function assertInside(root: string, resolved: string, shown: string): void {
  const rel = path.relative(root, resolved);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new TemplateEscapeError(`template path ${shown} resolves outside CONFIGS_DIR`, {
      hint: 'templates may not be, or contain, symlinks that leave CONFIGS_DIR',
    });
  }
}

async function readTree(root: string, dir: string, maxBytes: number, name: string): Promise<ConfigFile[]> {
  const files: ConfigFile[] = [];
  let bytes = 0;
  const walk = async (current: string, prefix: string, depth: number): Promise<void> => {
    if (depth > 32) throw new TemplateInvalidError(`template ${name} nests deeper than 32 directories`);
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const real = await realpath(path.join(current, entry.name));
      assertInside(root, real, `${name}/${rel}`);
      const info = await stat(real);
      if (info.isDirectory()) {
        await walk(real, rel, depth + 1);
      } else if (info.isFile()) {
        bytes += info.size;
        if (bytes > maxBytes || files.length >= MAX_FILES) {
          throw new TemplateTooLargeError(
            `template ${name} is larger than the cap (${maxBytes} bytes, ${MAX_FILES} files)`,
            { hint: 'raise MEDIC_TEMPLATE_MAX_BYTES if this template really is that large' },
          );
        }
        files.push({ path: rel, content: await readFile(real), mode: info.mode & 0o777 });
      }
    }
  };
  await walk(dir, '', 0);
  return files;
}
