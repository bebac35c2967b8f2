// Finds and reads a runtime's template under CONFIGS_DIR, refusing anything that could leave
// it: the runtime name is validated, `<runtime>-default` is tried before `<runtime>`, the
// realpath of the directory and of every file in it must lie inside CONFIGS_DIR, and the
// template must hold config.yaml. The digest is sha256 over sorted paths and contents.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  InvalidRuntimeError,
  TemplateEscapeError,
  TemplateInvalidError,
  TemplateNotFoundError,
  TemplateTooLargeError,
} from '../model/errors.js';
import { printable } from '../model/names.js';
import type { ConfigFile } from '../model/ports.js';

const RUNTIME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_FILES = 2_000;

export interface Template {
  readonly name: string;
  readonly dir: string;
  readonly files: readonly ConfigFile[];
  readonly digest: string;
  readonly bytes: number;
}

export function validateRuntime(runtime: string): string {
  if (!RUNTIME.test(runtime) || runtime === '.' || runtime === '..' || runtime.includes('..')) {
    throw new InvalidRuntimeError(
      `workspaces.runtime "${printable(runtime)}" is not a valid runtime name (expected ${RUNTIME.source})`,
      { hint: 'fix the runtime column of this workspace; medic never takes a path from it' },
    );
  }
  return runtime;
}

export async function resolveTemplate(
  configsDir: string,
  runtime: string,
  maxBytes: number,
): Promise<Template> {
  validateRuntime(runtime);
  const root = await realpath(configsDir).catch(() => {
    throw new TemplateNotFoundError(`CONFIGS_DIR ${configsDir} does not exist`, {
      hint: 'set CONFIGS_DIR to the directory that holds the runtime templates',
    });
  });
  for (const name of [`${runtime}-default`, runtime]) {
    const candidate = path.join(root, name);
    const info = await lstat(candidate).catch(() => null);
    if (!info) continue;
    const dir = await realpath(candidate);
    assertInside(root, dir, name);
    if (!(await stat(dir)).isDirectory()) continue;
    const files = await readTree(root, dir, maxBytes, name);
    const config = files.find((f) => f.path === 'config.yaml');
    if (!config) {
      throw new TemplateInvalidError(`template ${name} has no config.yaml`, {
        hint: `add ${path.join(configsDir, name, 'config.yaml')}`,
      });
    }
    checkConfig(name, runtime, config.content);
    return {
      name,
      dir,
      files,
      digest: digestOf(files),
      bytes: files.reduce((sum, f) => sum + f.content.length, 0),
    };
  }
  throw new TemplateNotFoundError(
    `no template for runtime "${runtime}": neither ${runtime}-default nor ${runtime} exists in ${configsDir}`,
    {
      hint: `add ${path.join(configsDir, `${runtime}-default`)}/config.yaml, or point CONFIGS_DIR elsewhere`,
    },
  );
}

const configSchema = z
  .object({
    template_schema_version: z.union([z.number().int().positive(), z.string().min(1)]),
    runtime: z.string().optional(),
  })
  .passthrough();

/**
 * A template's config.yaml is read before anything is written: valid YAML, a mapping with
 * `template_schema_version`, and a `runtime` key (if any) equal to the workspace's runtime, so a
 * langgraph workspace is never seeded with a claude-code template. Else TEMPLATE_INVALID.
 */
export function checkConfig(name: string, runtime: string, content: Buffer): void {
  let raw: unknown;
  try {
    raw = parse(content.toString('utf8'));
  } catch (error) {
    throw new TemplateInvalidError(
      `template ${name}: config.yaml is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the file';
    throw new TemplateInvalidError(
      `template ${name}: config.yaml ${where}: ${issue?.message ?? 'is invalid'}`,
      {
        hint: 'a template config.yaml is a YAML mapping with template_schema_version',
      },
    );
  }
  if (parsed.data.runtime !== undefined && parsed.data.runtime !== runtime) {
    throw new TemplateInvalidError(
      `template ${name} declares runtime "${printable(parsed.data.runtime)}", but the workspace's runtime is "${runtime}"`,
      { hint: "medic never seeds one runtime with another runtime's template; fix the template or the row" },
    );
  }
}

export function digestOf(files: readonly ConfigFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.content.length}\0`);
    hash.update(file.content);
  }
  return `sha256:${hash.digest('hex')}`;
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
