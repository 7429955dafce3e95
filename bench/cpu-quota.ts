/**
 * A CPU quota for one server process, through the kernel's control groups, for the saturation
 * ramp at a fraction of a core (figure 2, second row).
 *
 * Why: with the server on one core and the load generator on the other, both servers pass the
 * ramp's top step while the generator's core is already full, so the full-core ramp cannot
 * say which server gives out first. Holding each server to the same share of its core makes
 * the server, not the generator, the limit, and the two ramps comparable. The quota counts every
 * thread of the process (main thread, garbage collector, I/O pool), the same rule for both.
 *
 * Needs a writable cgroup file system: cgroup v1 with the `cpu` controller, or cgroup v2 with
 * `cpu` enabled for child groups (usually as root). Where neither is available, `cpuQuotas()`
 * returns null and the benchmark reports the figure as not measured.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Short periods keep throttling smooth: the server waits at most a few ms at a time. */
const PERIOD_US = 10_000;

export interface CpuQuotas {
  /** Describes the mechanism, for the report. */
  readonly how: string;
  /**
   * Moves `pid` (all its threads) into a group of its own allowed `share` of one core; the
   * returned function removes the limit again.
   */
  limit(pid: number, share: number): () => void;
}

/** One control-group hierarchy: where it is mounted, and how a quota is written in it. */
interface Hierarchy {
  root: string;
  how: string;
  /** The line of /proc/<pid>/cgroup that names the process's group in this hierarchy. */
  ownLine: (line: string) => boolean;
  /** Files to write in a new group, in order, to allow `share` of one core. */
  settings: (share: number) => Array<[file: string, value: string]>;
}

const V1: Hierarchy = {
  root: '/sys/fs/cgroup/cpu',
  how: `cgroup v1 cpu.cfs_quota_us over a ${PERIOD_US / 1000} ms period`,
  ownLine: (line) => /(^|,)cpu(,|$)/.test(line.split(':')[1] ?? ''),
  settings: (share) => [
    ['cpu.cfs_period_us', String(PERIOD_US)],
    ['cpu.cfs_quota_us', String(Math.round(PERIOD_US * share))]
  ]
};

const V2: Hierarchy = {
  root: '/sys/fs/cgroup',
  how: `cgroup v2 cpu.max over a ${PERIOD_US / 1000} ms period`,
  ownLine: (line) => line.startsWith('0::'),
  settings: (share) => [['cpu.max', `${Math.round(PERIOD_US * share)} ${PERIOD_US}`]]
};

/** The quota mechanism of this machine, or null when none can be used. */
export function cpuQuotas(): CpuQuotas | null {
  if (fs.existsSync(path.join(V1.root, 'cpu.cfs_quota_us'))) return probe(quotasIn(V1));
  const controllers = read(path.join(V2.root, 'cgroup.subtree_control'));
  if (controllers?.split(/\s+/).includes('cpu')) return probe(quotasIn(V2));
  return null;
}

/** The mechanism if a group can actually be made here (not, say, read-only in a container). */
function probe(q: CpuQuotas): CpuQuotas | null {
  try {
    q.limit(process.pid, 1)();
    return q;
  } catch {
    return null;
  }
}

let made = 0;
/** Limits in force, lifted by `liftAllQuotas` if the benchmark exits in the middle of a phase. */
const active = new Set<() => void>();

/** Lifts every limit still in force (on exit), leaving no group behind. */
export function liftAllQuotas(): void {
  for (const lift of [...active]) {
    try {
      lift();
    } catch {
      // the group is busy or gone: nothing more to do on the way out
    }
  }
}

/** Registers a group's release, callable once. */
function lifting(release: () => void): () => void {
  const lift = () => {
    if (!active.delete(lift)) return;
    release();
  };
  active.add(lift);
  return lift;
}

function quotasIn(h: Hierarchy): CpuQuotas {
  return {
    how: h.how,
    limit(pid, share) {
      const dir = path.join(h.root, `fika-bench-${process.pid}-${++made}`);
      fs.mkdirSync(dir);
      const home = ownGroup(pid, h.ownLine);
      try {
        for (const [file, value] of h.settings(share)) fs.writeFileSync(path.join(dir, file), value);
        fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
      } catch (err) {
        fs.rmdirSync(dir);
        throw err;
      }
      return lifting(() => release(pid, path.join(h.root, home), dir));
    }
  };
}

/** The group `pid` is in now (a path under the hierarchy's root), from /proc/<pid>/cgroup. */
function ownGroup(pid: number, match: (line: string) => boolean): string {
  const line = (read(`/proc/${pid}/cgroup`) ?? '').split('\n').find(match);
  return line ? line.split(':').slice(2).join(':') : '/';
}

/** Moves the process back where it was (if it still runs) and removes the group. */
function release(pid: number, home: string, dir: string): void {
  // Its own group may not be visible under this mount (in a container): then the mount's root.
  for (const group of [home, path.dirname(dir)]) {
    try {
      fs.writeFileSync(path.join(group, 'cgroup.procs'), String(pid));
      break;
    } catch {
      // next; or the process has exited, and its group is empty already
    }
  }
  fs.rmdirSync(dir);
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}
