// No function in src/ is longer than a reader can hold: 60 lines of code (blank and comment
// lines not counted, inner functions counted with the one that holds them). The test names
// every one over it and prints the longest.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionLengths, MAX_FUNCTION_LINES } from './function-length.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('the functions of src/', () => {
  const all = files(path.join(ROOT, 'src'))
    .flatMap((f) => functionLengths(path.relative(ROOT, f), readFileSync(f, 'utf8')))
    .sort((a, b) => b.lines - a.lines);

  it(`are ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    const longest = all.slice(0, 5).map((f) => `${f.lines} lines: ${f.name} (${f.where})`);
    console.log(`the longest functions of src/:\n  ${longest.join('\n  ')}`);
    expect(
      all.filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${f.where} ${f.name}: ${f.lines} lines`),
    ).toEqual([]);
  });

  it('would fail on a function one line over', () => {
    const body = Array.from(
      { length: MAX_FUNCTION_LINES - 2 },
      (_, i) => `  const v${i} = ${i}; // a comment`,
    );
    const text = [
      '// a planted file',
      '',
      'export function planted(): void {',
      ...body,
      '',
      '  // only a comment',
      '}',
    ];
    expect(functionLengths('planted.ts', text.join('\n'))).toEqual([
      { where: 'planted.ts:3', name: 'planted', lines: MAX_FUNCTION_LINES },
    ]);
    const longer = [...text.slice(0, 3), '  const extra = 0;', ...text.slice(3)];
    expect(functionLengths('planted.ts', longer.join('\n'))[0]).toMatchObject({
      lines: MAX_FUNCTION_LINES + 1,
    });
  });
});
