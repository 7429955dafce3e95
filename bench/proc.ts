/**
 * Processes for the sync benchmark: spawning a server pinned to one core, and reading its
 * memory and CPU time from /proc.
 *
 * Memory and CPU are read from the kernel, not asked of the server, so that both servers are
 * measured the same way and a busy server cannot misreport. The pid read must be the node
 * process itself: `taskset` execs node, so the spawned pid is node's (checked on start-up).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../tests/support/ports';

export { freePort };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds on the wall clock shared by every process on the machine (sub-millisecond). */
export const now = (): number => performance.timeOrigin + performance.now();

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export interface PinnedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote so far (stdout and stderr), for error messages. */
  output(): string;
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

/** Starts `node <args>` under `taskset -c <core>` (when there are cores to pin to). */
export function spawnPinned(core: number | null, nodeArgs: string[], env: NodeJS.ProcessEnv): PinnedProcess {
  const [command, args] =
    core === null
      ? [process.execPath, nodeArgs]
      : ['taskset', ['-c', String(core), process.execPath, ...nodeArgs]];
  const child = spawn(command, args, { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid: number): number | null {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size (VmHWM) in bytes. */
export function peakRssBytes(pid: number): number | null {
  return statusField(pid, 'VmHWM');
}

/** Resets the kernel's peak-RSS mark of a process (Linux ≥ 4.0); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function statusField(pid: number, field: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** CPU time (user + system) a process used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are space-separated.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

/** USER_HZ; 100 on every Linux platform Node supports. */
const CLOCK_TICKS = 100;

/** The executable of a process, to check that the pid is node and not a wrapper. */
export function executableOf(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

/** Measures CPU use of a process and of this one over an interval, as a share of one core. */
export class CpuMeter {
  private serverStart = 0;
  private selfStart = process.cpuUsage();
  private wallStart = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    this.serverStart = cpuMs(this.pid);
    this.selfStart = process.cpuUsage();
    this.wallStart = performance.now();
  }

  /** `{ server, client }` as fractions of one core since `start()`. */
  read(): { server: number; client: number } {
    const wall = performance.now() - this.wallStart;
    const self = process.cpuUsage(this.selfStart);
    return {
      server: (cpuMs(this.pid) - this.serverStart) / wall,
      client: (self.user + self.system) / 1000 / wall
    };
  }
}
