// Finds and reads a runtime's template through the TemplateSource port (CONFIGS_DIR; the
// source keeps every file inside it): the runtime name is validated, `<runtime>-default` is
// tried before `<runtime>`, and the template must hold a config.yaml for this runtime. The
// digest is sha256 over sorted paths and contents.
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';
import { InvalidRuntimeError, TemplateInvalidError, TemplateNotFoundError } from '../model/errors.js';
import { printable } from '../model/names.js';
import type { ConfigFile, TemplateSource } from '../model/ports.js';

const RUNTIME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

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
  source: TemplateSource,
  runtime: string,
  maxBytes: number,
): Promise<Template> {
  validateRuntime(runtime);
  for (const name of [`${runtime}-default`, runtime]) {
    const tree = await source.read(name, maxBytes);
    if (!tree) continue;
    const { files } = tree;
    const config = files.find((f) => f.path === 'config.yaml');
    if (!config) {
      throw new TemplateInvalidError(`template ${name} has no config.yaml`, {
        hint: `add ${tree.dir}/config.yaml`,
      });
    }
    checkConfig(name, runtime, config.content);
    return {
      name,
      dir: tree.dir,
      files,
      digest: digestOf(files),
      bytes: files.reduce((sum, f) => sum + f.content.length, 0),
    };
  }
  throw new TemplateNotFoundError(
    `no template for runtime "${runtime}": neither ${runtime}-default nor ${runtime} exists in ${source.where}`,
    {
      hint: `add ${source.where}/${runtime}-default/config.yaml, or point CONFIGS_DIR elsewhere`,
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
