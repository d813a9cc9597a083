/**
 * Where a machine's CPU went during a measurement: every process's user + system time from /proc
 * (Linux), each put in a named group. A process belongs to the nearest named root above it (so a
 * root inside another root's tree, like the standalone's background process, is counted on its
 * own), else to `postgres` or `redis` by its command name, else to `other`. Besides the groups,
 * the machine's busy time from /proc/stat, which also holds what no process owns (interrupts).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc times. */
const CLOCK_TICKS_PER_SECOND = 100;
const BY_COMMAND: Readonly<Record<string, string>> = { postgres: 'postgres', 'redis-server': 'redis' };

export interface CpuSnapshot {
  /** CPU ms per pid and the group it was counted in. */
  processes: Map<number, { group: string; ms: number }>;
  /** Busy (non-idle, non-iowait) CPU ms of the whole machine since boot. */
  machineBusyMs: number;
}

interface ProcessStat {
  command: string;
  parent: number;
  ms: number;
}

/** `roots`: group name → pid; the group holds that process and everything below it. */
export function snapshotCpu(roots: Readonly<Record<string, number>>): CpuSnapshot {
  const stats = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined) stats.set(pid, stat);
  }
  const groupOfRoot = new Map(Object.entries(roots).map(([group, pid]) => [pid, group]));
  const processes = new Map<number, { group: string; ms: number }>();
  for (const [pid, stat] of stats) processes.set(pid, { group: groupOf(pid, stats, groupOfRoot) ?? BY_COMMAND[stat.command] ?? 'other', ms: stat.ms });
  return { processes, machineBusyMs: machineBusyMs() };
}

/**
 * CPU ms per group between two snapshots, plus `machine` (busy time of all cores). A process that
 * started in between counts from zero; one that ended in between is lost (its last interval).
 */
export function cpuSpentMs(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [pid, { group, ms }] of after.processes) spent[group] = (spent[group] ?? 0) + ms - (before.processes.get(pid)?.ms ?? 0);
  spent.machine = after.machineBusyMs - before.machineBusyMs;
  return spent;
}

/** The pid of the first process below `root` whose command line contains `fragment`. */
export function descendantRunning(root: number, fragment: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || !readOr(`/proc/${pid}/cmdline`, '').includes(fragment)) continue;
    for (let up = pid; up > 1; up = readStat(up)?.parent ?? 0) if (up === root && pid !== root) return pid;
  }
  return undefined;
}

function groupOf(pid: number, stats: Map<number, ProcessStat>, groupOfRoot: Map<number, string>): string | undefined {
  for (let up = pid, hops = 0; up > 1 && hops < 64; up = stats.get(up)?.parent ?? 0, hops++) {
    const group = groupOfRoot.get(up);
    if (group !== undefined) return group;
  }
  return undefined;
}

function readStat(pid: number): ProcessStat | undefined {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (stat === '') return undefined;
  const close = stat.lastIndexOf(')');
  // After `(comm)`: state is field 3, ppid 4, utime 14 and stime 15 (1-based).
  const fields = stat.slice(close + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, close), parent: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND };
}

function machineBusyMs(): number {
  // cpu  user nice system idle iowait irq softirq steal …
  const ticks = readOr('/proc/stat', '').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return ((total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A process that ended between listing and reading reads as the fallback. */
function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
