// medic's migrations are numbered SQL files in the package's migrations/ folder
// (`0001-base.sql`, `0002-job-heartbeats.sql`, …), applied in order; each is known by its
// number and its checksum (sha256 of its bytes), so that a file changed after a database ran it
// is refused rather than silently differing from what the database holds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidConfigError } from '../core/index.js';

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly statements: readonly string[];
}

const FILE = /^(\d{4})-([a-z0-9-]+)\.sql$/;

/** The migrations/ folder of the package this module runs from (src/, lib/ or a bundle). */
export function migrationsDir(moduleUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = path.join(dir, 'migrations');
    if (existsSync(path.join(candidate, '0001-base.sql'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) {
      throw new InvalidConfigError(`medic's migrations/ folder was not found above ${moduleUrl}`, {
        hint: 'reinstall medic: its package ships migrations/ beside templates/',
      });
    }
    dir = up;
  }
}

/** Every migration in `dir`, in order; numbers must run 1, 2, 3, … with no gap or repeat. */
export function readMigrations(dir: string = migrationsDir()): MigrationFile[] {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort();
  return names.map((file, i) => {
    const match = FILE.exec(file);
    if (!match || Number(match[1]) !== i + 1) {
      throw new InvalidConfigError(`migration file ${file} is out of sequence: expected number ${i + 1}`, {
        hint: 'migrations are named NNNN-name.sql and numbered 1, 2, 3, … with no gap',
      });
    }
    const bytes = readFileSync(path.join(dir, file));
    return {
      version: i + 1,
      name: file,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      statements: splitStatements(bytes.toString('utf8')),
    };
  });
}

/**
 * A script's statements, split at each `;` that is not inside a quoted string, a quoted
 * name, a dollar-quoted body (`$$ … $$`, `$fn$ … $fn$`) or a comment; a piece that holds only
 * comments and space is dropped.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let code = false; // whether the current piece holds anything but comments and space
  let i = 0;
  const push = (end: number) => {
    if (code) statements.push(sql.slice(start, end).trim());
    start = end + 1;
    code = false;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "'" || c === '"') {
      code = true;
      i = closing(sql, i, c);
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      code = true;
      i = end === -1 ? sql.length : end + tag.length;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      if (!/\s/.test(c)) code = true;
      i++;
    }
  }
  push(sql.length);
  return statements;
}

// The index after the quote that closes the one at `from` (a doubled quote is part of the text).
function closing(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else i++;
  }
  return sql.length;
}
