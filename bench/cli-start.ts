// Benchmark 8: the CLI's start. `medic --version`, `medic --help`, `medic recover --help`, and
// a command that loads the CLI itself (`medic parse` of an empty comment), spawn to exit,
// against `node -e 0` in the same rounds, in turn, after a warm-up that fills Node's compile
// cache as a first run on a machine would.
import path from 'node:path';
import { ROOT } from './fleet.js';
import { runNode } from './processes.js';

export interface CliStartBench {
  readonly node: number[];
  readonly version: number[];
  readonly help: number[];
  readonly recoverHelp: number[];
  /** `medic parse` of an empty comment: a command that loads the CLI itself (its core, its adapters). */
  readonly loaded: number[];
}

export async function benchCliStart(rounds: number): Promise<CliStartBench> {
  const medic = path.join(ROOT, 'lib/medic.js');
  const env = { PATH: process.env.PATH, NO_COLOR: '1' };
  const out: CliStartBench = { node: [], version: [], help: [], recoverHelp: [], loaded: [] };
  const variants: Array<[keyof CliStartBench, string[]]> = [
    ['node', ['-e', '0']],
    ['version', [medic, '--version']],
    ['help', [medic, '--help']],
    ['recoverHelp', [medic, 'recover', '--help']],
    ['loaded', [medic, 'parse']],
  ];
  for (const [, args] of variants) await runNode(args, env); // warm-up: the compile cache, the page cache
  for (let i = 0; i < rounds; i++) {
    // Alternating order, so that no variant always runs right after another.
    for (const [name, args] of i % 2 ? [...variants].reverse() : variants) {
      const run = await runNode(args, env);
      if (run.code !== 0) throw new Error(`${args.join(' ')} exited ${run.code}`);
      out[name].push(run.ms);
    }
  }
  return out;
}

/** Section 8 of bench/RESULTS.md. */
export function cliStartSection(b: CliStartBench): string[] {
  const med = (v: number[]) => {
    const s = [...v].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const node = med(b.node);
  const row = (what: string, v: number[], target: string) =>
    `| ${what} | ${Math.round(med(v))} | +${Math.round(med(v) - node)} | ${target} |`;
  return [
    `## 8. CLI start (spawn to exit, ${b.node.length} rounds in turn, after a warm-up)`,
    '',
    '| | median ms | beyond `node -e 0` | target |',
    '|---|--:|--:|---|',
    `| \`node -e 0\` | ${Math.round(node)} | | |`,
    row('`medic --version`', b.version, 'within 30 ms'),
    row('`medic --help`', b.help, ''),
    row('`medic recover --help`', b.recoverHelp, ''),
    row('`medic parse` (a command that loads the CLI)', b.loaded, ''),
    '',
    "`--version`, every `--help` and `completion` are answered by the launcher without loading the CLI (the build asks the CLI for them); every other command loads it, with Node's compile cache.",
    '',
  ];
}
