// Small statistics for the benchmarks: medians, percentiles and spreads over raw samples.
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return {
    n: s.length,
    median: mid,
    p10: percentile(s, 10),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    min: s[0]!,
    max: s.at(-1)!,
  };
}

export const ms = (x: number) => `${Math.round(x)} ms`;
export const ratio = (a: number, b: number) => (a / b).toFixed(2);
