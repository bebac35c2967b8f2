// A policy file read as a person wrote it: YAML, or JSON for a `.json` file (described in
// JSON's terms when it is not valid JSON). Every problem is named at once, each with its path
// and, where the file has it, its line, column and the line itself.
import { LineCounter, parseDocument } from 'yaml';
import { InvalidPolicyError } from '../model/errors.js';
import { type Policy, policySchema } from './policy.js';

export type PolicyFormat = 'yaml' | 'json';

/** The format a file's name says: `.json` is JSON, anything else YAML. */
export function formatOf(file: string): PolicyFormat {
  return file.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

export function parsePolicy(text: string, format: PolicyFormat = 'yaml'): Policy {
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new InvalidPolicyError(`the policy is not valid JSON: ${(error as Error).message}`, {
        hint: 'fix the JSON (or write the policy in YAML); see docs/policy.md',
      });
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const broken = doc.errors[0];
  if (broken) {
    const at = lines.linePos(broken.pos[0]);
    const where = ` at line ${at.line}, column ${at.col} (${quoteLine(text, at.line)})`;
    throw new InvalidPolicyError(
      `the policy is not valid YAML${where}: ${broken.message.split('\n')[0]!.replace(/:\s*$/, '')}`,
      { hint: 'fix the YAML; see docs/policy.md for the format' },
    );
  }
  const parsed = policySchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : 'the file';
    const offset = offsetOf(doc, issue.path);
    const at = offset === null ? null : lines.linePos(offset);
    const where = at ? ` (line ${at.line}, column ${at.col}: ${quoteLine(text, at.line)})` : '';
    return `policy ${path}${where}: ${issue.message}`;
  });
  throw new InvalidPolicyError(
    problems.length === 1 ? problems[0]! : `${problems.length} problems: ${problems.join('; ')}`,
    { hint: 'see docs/policy.md for the format' },
  );
}

/** Where the node at `path` starts, or its nearest parent that is in the file. */
function offsetOf(doc: ReturnType<typeof parseDocument>, path: readonly PropertyKey[]): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as
      | { range?: [number, number, number] }
      | undefined;
    if (node?.range) return node.range[0];
  }
  return null;
}

function quoteLine(text: string, line: number): string {
  const shown = (text.split(/\r?\n/)[line - 1] ?? '').trim();
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}
