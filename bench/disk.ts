/**
 * A probe of the disk under the servers' data directories: how long appending 4 KB and
 * `fdatasync` takes. Fika commits every update (`synchronous=FULL`) before relaying it, so its
 * relay latency tail follows this one; printed with the machine so that a run on a disk with
 * slow flushes can be told from a slower server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './proc';

export interface DiskProbe {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export async function probeDisk(samples = 300): Promise<DiskProbe> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-bench-disk-'));
  const fd = fs.openSync(path.join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
      times.push(performance.now() - start);
      await sleep(2); // spaced like commits, not back to back
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { samples, p50: at(0.5), p99: at(0.99), max: times[times.length - 1]! };
}

export function describeDisk(d: DiskProbe): string {
  return (
    `temp-dir disk: 4 KB append + fdatasync p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(1)} ms, ` +
    `max ${d.max.toFixed(1)} ms (${d.samples} samples)`
  );
}
