// The layers of docs/architecture.md, enforced over the import graph of src/ (static imports,
// `export … from` and dynamic `import()`): each folder imports only folders of a lower layer
// (or itself); the core imports nothing outside it and is imported through its public face
// (src/core/index.ts) only; no cycle between files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_LAYERS, LAYERS, upwardImports } from './layer-rules.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every relative import of every file under src/, resolved to a file (`.js` specifiers name `.ts` sources). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const specifier = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(specifier)].map((m) =>
      path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts'),
    );
    graph.set(
      path.relative(SRC, file),
      targets.map((t) => path.relative(SRC, t)),
    );
  }
  return graph;
}

const folderOf = (file: string) => file.split(path.sep)[0]!;

describe('the layers', () => {
  const graph = importGraph();

  it('knows every folder of src/', () => {
    const folders = new Set([...graph.keys()].map(folderOf));
    expect([...folders].filter((f) => !(f in LAYERS)).sort()).toEqual([]);
  });

  it('has each folder import only lower layers (or itself)', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      for (const target of targets) {
        const to = folderOf(target);
        if (to !== from && !(LAYERS[to]! < LAYERS[from]!))
          upward.push(`${file} -> ${target} (${from}: layer ${LAYERS[from]}, ${to}: layer ${LAYERS[to]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  /** A file's folder inside src/core (null: outside the core, or core/index.ts). */
  const coreFolderOf = (file: string) => {
    const parts = file.split(path.sep);
    return parts[0] === 'core' && parts.length > 2 ? parts[1]! : null;
  };

  it('knows every folder of src/core', () => {
    const folders = new Set([...graph.keys()].map(coreFolderOf).filter((f) => f !== null));
    expect([...folders].filter((f) => !(f in CORE_LAYERS)).sort()).toEqual([]);
  });

  it('has each folder of the core import only lower layers of the core (or itself)', () => {
    expect(upwardImports(graph, CORE_LAYERS, coreFolderOf)).toEqual([]);
  });

  it('keeps the core off the world but through its ports (no file system, network or process)', () => {
    const computing = new Set(['node:crypto', 'node:path', 'node:stream']);
    const reaching = files(path.join(SRC, 'core')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(node:[^']+)'/g)]
        .map((m) => m[1]!)
        .filter((m) => !computing.has(m))
        .map((m) => `${path.relative(SRC, file)} imports ${m}`),
    );
    expect(reaching).toEqual([]);
  });

  it('would fail on an import from core/store into core/run', () => {
    const planted = new Map(graph);
    const store = path.join('core', 'store', 'audit-store.ts');
    planted.set(store, [...(graph.get(store) ?? []), path.join('core', 'run', 'lease.ts')]);
    expect(upwardImports(planted, CORE_LAYERS, coreFolderOf)).toEqual([
      `${store} -> ${path.join('core', 'run', 'lease.ts')} (store: layer 2, run: layer 3)`,
    ]);
  });

  it('has the core import nothing outside it, and be imported through src/core/index.ts only', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const inCore = folderOf(file) === 'core';
      for (const target of targets) {
        if (inCore && folderOf(target) !== 'core') wrong.push(`${file} -> ${target}`);
        if (!inCore && folderOf(target) === 'core' && target !== path.join('core', 'index.ts'))
          wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no cycle between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('has no file in src/ over 250 lines', () => {
    const long = files(SRC)
      .map((f) => ({ file: path.relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > 250);
    expect(long).toEqual([]);
  });
});
