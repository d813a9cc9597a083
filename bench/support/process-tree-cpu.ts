import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User + system CPU time, in ms (10 ms resolution), of a process and every live process below it:
 * a cluster primary and its workers, the standalone and its background process. Read from /proc
 * (Linux), so it works whatever the processes log.
 */
export function processTreeCpuMs(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) total += ownCpuMs(member);
  return total;
}

function processTree(pid: number): number[] {
  const children = tasksOf(pid).flatMap((task) => readOr(`/proc/${pid}/task/${task}/children`, '').trim().split(/\s+/).filter(Boolean).map(Number));
  return [pid, ...children.flatMap(processTree)];
}

function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

function ownCpuMs(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (stat === '') return 0;
  // Fields after the `(comm)` part: state is field 3, utime 14 and stime 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A process that ended between listing and reading counts as nothing. */
function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
