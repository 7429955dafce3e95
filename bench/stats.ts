/**
 * Latency summaries. Percentiles are taken over every update that should have arrived, with
 * the ones that never did counted as infinitely late: a server that drops or stalls updates
 * cannot look fast by leaving its slowest deliveries out.
 */

export interface LatencySummary {
  /** Milliseconds; Infinity when more than the percentile's share never arrived. */
  p50: number;
  p99: number;
  max: number;
  /** Deliveries seen, and deliveries expected (updates sent × receivers). */
  delivered: number;
  expected: number;
}

export function summarize(samples: readonly number[], expected: number): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const total = Math.max(expected, sorted.length);
  const at = (p: number): number => {
    if (total === 0) return NaN;
    const rank = Math.max(0, Math.ceil(p * total) - 1);
    return rank < sorted.length ? sorted[rank]! : Infinity;
  };
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length < total ? Infinity : (sorted[sorted.length - 1] ?? NaN),
    delivered: sorted.length,
    expected
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const MiB = 1024 * 1024;
