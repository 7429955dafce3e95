/**
 * One Yjs client's deleted clock ranges, as a delete set lists them, merged and sorted so that
 * the rules can ask how much of a clock range an update deletes.
 */
export class DeleteRanges {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  constructor(items: ReadonlyArray<{ clock: number; len: number }>) {
    const sorted = [...items].sort((a, b) => a.clock - b.clock);
    for (const r of sorted) {
      if (r.len <= 0) continue;
      const last = this.ends.length - 1;
      if (last >= 0 && r.clock <= this.ends[last]!) {
        this.ends[last] = Math.max(this.ends[last]!, r.clock + r.len);
      } else {
        this.starts.push(r.clock);
        this.ends.push(r.clock + r.len);
      }
    }
  }
  get max(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1]!;
  }
  each(fn: (start: number, end: number) => void): void {
    for (let i = 0; i < this.starts.length; i++) fn(this.starts[i]!, this.ends[i]!);
  }
  /** How many clocks of [from, to) are deleted. */
  overlap(from: number, to: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let i = lo; i < this.starts.length && this.starts[i]! < to; i++) {
      n += Math.min(to, this.ends[i]!) - Math.max(from, this.starts[i]!);
    }
    return n;
  }
  has(clock: number): boolean {
    return this.overlap(clock, clock + 1) > 0;
  }
  /** Calls `fn` with each part of [from, to) that is not deleted. */
  kept(from: number, to: number, fn: (start: number, end: number) => void): void {
    let at = from;
    for (let i = 0; i < this.starts.length && this.starts[i]! < to && at < to; i++) {
      if (this.ends[i]! <= at) continue;
      if (this.starts[i]! > at) fn(at, this.starts[i]!);
      at = this.ends[i]!;
    }
    if (at < to) fn(at, to);
  }
}
