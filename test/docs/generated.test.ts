// The generated references (scripts/gen-docs.ts) are what the code says now, every error code
// is in the catalog, and every document's links and cited files resolve. Runs against the
// built CLI (lib/, which `npm test` builds first).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedPages, ROOT } from '../../scripts/gen-docs.js';
import { ERROR_CATALOG } from '../../src/core/model/error-catalog.js';
import { parsePolicy } from '../../src/core/policy/policy-text.js';

const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((f) => existsSync(path.join(ROOT, f)));

/** The tracker's tags (`[fleet]`): words for the maintainers, not for a reader of the docs. */
const ISSUE_TAG =
  /\[(?:identity|fence|house|speed|api|control|signal|trust|fleet|latency|core|parser|policy|dashboard|reliability)\](?!\()/g;

describe('the generated references', () => {
  it('are current: run `npm run docs` after changing a setting, an error code or a command', () => {
    const stale = [...generatedPages()]
      .filter(
        ([file, text]) =>
          !existsSync(path.join(ROOT, file)) || readFileSync(path.join(ROOT, file), 'utf8') !== text,
      )
      .map(([file]) => file);
    expect(stale).toEqual([]);
  });

  it('catalog every error code errors.ts declares, and nothing else', () => {
    const source = readFileSync(path.join(ROOT, 'src/core/model/errors.ts'), 'utf8');
    const declared = new Set(
      [...source.matchAll(/(?:coded|refusal)\('([A-Z_]{2,})'\)|readonly code = '([A-Z_]+)'/g)].map(
        (m) => m[1] ?? m[2]!,
      ),
    );
    expect([...declared].sort()).toEqual(Object.keys(ERROR_CATALOG).sort());
  });
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (docs/openapi.json, as served at /api/v1/openapi.json)', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const doc = JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
    expect(doc.openapi).toBe('3.1.0');
    const verdict = await new Validator().validate(doc);
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
  });
});

describe('the documents', () => {
  it('link only to files that exist, and to headings they have', () => {
    const broken: string[] = [];
    for (const doc of DOCUMENTS) {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)) {
        const [, target = '', anchor] = m;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const file = target ? path.resolve(path.dirname(path.join(ROOT, doc)), target) : path.join(ROOT, doc);
        if (!existsSync(file)) broken.push(`${doc} -> ${target}`);
        else if (anchor && file.endsWith('.md') && !headingSlugs(readFileSync(file, 'utf8')).has(anchor))
          broken.push(`${doc} -> ${target}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('cite only files that are in the repository, and no issue tags', () => {
    const missing: string[] = [];
    for (const doc of DOCUMENTS) {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      for (const m of text.matchAll(
        /`((?:src|test|docs|bench|scripts|deploy|templates|examples)\/[\w./-]+\.[a-z]+)`/g,
      ))
        if (!existsSync(path.join(ROOT, m[1]!))) missing.push(`${doc}: ${m[1]}`);
      if (/DESIGN\.md/.test(text)) missing.push(`${doc}: cites DESIGN.md, which is not in the repository`);
      for (const m of text.matchAll(ISSUE_TAG)) missing.push(`${doc}: issue tag ${m[0]}`);
    }
    expect(missing).toEqual([]);
  });
});

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingSlugs(markdown: string): Set<string> {
  const outside = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set(
    [...outside.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('the front page and the examples', () => {
  it('README.md stays within the house limit of 200 lines', () => {
    const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(200);
  });

  it('examples/policy.yaml is a valid policy with rules, clients, approvals and notify sinks', () => {
    const policy = parsePolicy(readFileSync(path.join(ROOT, 'examples/policy.yaml'), 'utf8'));
    expect(policy.repos.length).toBeGreaterThan(0);
    expect(policy.repos.some((r) => r.approval)).toBe(true);
    expect(policy.clients.length).toBeGreaterThan(0);
    expect(policy.notify.some((n) => n.events.includes('hold.started'))).toBe(true);
  });
});
