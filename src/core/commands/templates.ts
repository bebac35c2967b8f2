// templates(): every template under CONFIGS_DIR, read and checked as a recovery would read it:
// its runtime, files, bytes, digest, and whether it is valid (else the error's code and
// message). A bare `<runtime>` directory beside `<runtime>-default` is shadowed: recoveries use
// the -default one.
import type { MedicConfig } from '../model/config.js';
import { asMedicError } from '../model/errors.js';
import type { TemplateSource } from '../model/ports.js';
import { resolveTemplate } from '../steps/template-resolver.js';

export interface TemplateReport {
  readonly name: string;
  readonly runtime: string;
  readonly valid: boolean;
  readonly files: number;
  readonly bytes: number;
  readonly digest: string | null;
  /** Why it is not used or not valid. */
  readonly problem: { readonly code: string; readonly message: string } | null;
}

export async function templates(
  source: TemplateSource,
  config: Pick<MedicConfig, 'templateMaxBytes'>,
): Promise<TemplateReport[]> {
  const { templateMaxBytes } = config;
  const names = await source.list();
  const reports: TemplateReport[] = [];
  for (const name of names) {
    const runtime = name.replace(/-default$/, '');
    const base = { name, runtime, files: 0, bytes: 0, digest: null };
    if (name === runtime && names.includes(`${runtime}-default`)) {
      const problem = { code: 'SHADOWED', message: `unused: ${runtime}-default is preferred` };
      reports.push({ ...base, valid: false, problem });
      continue;
    }
    try {
      const t = await resolveTemplate(source, runtime, templateMaxBytes);
      reports.push({
        ...base,
        valid: true,
        files: t.files.length,
        bytes: t.bytes,
        digest: t.digest,
        problem: null,
      });
    } catch (error) {
      const e = asMedicError(error);
      reports.push({ ...base, valid: false, problem: { code: e.code, message: e.message } });
    }
  }
  return reports;
}
