/**
 * CPU accounting for the benches (Linux /proc; null elsewhere): this process, the Temporal server, the
 * PostgreSQL cluster, the whole machine, and `other`, what the rest of the machine used meanwhile.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { round2 } from './load';

export interface CpuMark {
  wall: number;
  node: NodeJS.CpuUsage;
  temporalTicks: number | null;
  pgTicks: number | null;
  /** The worker's own process (--worker-process), when it is not this one. */
  workerTicks: number | null;
  machine: { busy: number; total: number } | null;
}

/** The fields of /proc/<pid>/stat from field 3 (state) on: field k is at index k - 3. */
function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime (fields 14, 15) of one process. */
function procTicks(pid: number | undefined): number | null {
  const f = pid ? procStat(pid) : null;
  return f ? Number(f[11]) + Number(f[12]) : null;
}

function pids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** The postmaster of the cluster in dataDir: a postgres process started with `-D dataDir`. */
export function findPostmaster(dataDir: string): number | undefined {
  try {
    return pids().find((pid) => {
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return (argv[0] ?? '').endsWith('/postgres') && argv[argv.indexOf('-D') + 1] === dataDir;
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

/**
 * The cluster's CPU: the postmaster's own and its reaped children's (cutime, cstime: fields 16, 17),
 * plus its live children's (the backends and background processes).
 */
function clusterTicks(postmaster: number | undefined): number | null {
  const f = postmaster ? procStat(postmaster) : null;
  if (!f) return null;
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const pid of pids()) {
    const c = procStat(pid);
    if (c && Number(c[1]) === postmaster) ticks += Number(c[11]) + Number(c[12]);
  }
  return ticks;
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export interface Pids {
  temporal: number | undefined;
  postmaster: number | undefined;
  /** A worker in its own process (the bench's --worker-process); undefined when it runs in this one. */
  worker?: number;
}

export function cpuMark(p: Pids): CpuMark {
  return { wall: performance.now(), node: process.cpuUsage(), temporalTicks: procTicks(p.temporal), pgTicks: clusterTicks(p.postmaster), workerTicks: p.worker ? procTicks(p.worker) : null, machine: machineTicks() };
}

export interface Cores {
  node: number;
  temporal: number | null;
  postgres: number | null;
  /** The worker's process, when it runs apart from this one (`node` is then the API alone). */
  worker?: number | null;
  machine: number | null;
  /** What the rest of the machine used meanwhile: other people's processes. */
  other: number | null;
}

/** Cores used between two marks. CLK_TCK is 100 on Linux. */
export function coresUsed(a: CpuMark, b: CpuMark): Cores {
  const wallS = (b.wall - a.wall) / 1000;
  const node = (b.node.user - a.node.user + b.node.system - a.node.system) / 1e6 / wallS;
  const ticks = (x: number | null, y: number | null): number | null => (x !== null && y !== null ? (y - x) / 100 / wallS : null);
  const temporal = ticks(a.temporalTicks, b.temporalTicks);
  const postgres = ticks(a.pgTicks, b.pgTicks);
  const worker = ticks(a.workerTicks, b.workerTicks);
  const machine = a.machine && b.machine ? ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * os.cpus().length : null;
  const other = machine !== null && temporal !== null && postgres !== null ? Math.max(0, machine - node - temporal - postgres - (worker ?? 0)) : null;
  const r = (x: number | null): number | null => (x === null ? null : round2(x));
  return { node: round2(node), temporal: r(temporal), postgres: r(postgres), ...(worker !== null ? { worker: r(worker) } : {}), machine: r(machine), other: r(other) };
}
