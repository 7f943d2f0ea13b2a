import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream kernel.
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  ticks: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields restart after its last ')'.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17), here 0-based from state.
    const n = (i: number) => Number(fields[i - 3] ?? 0);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a process and its live descendants have used so far, children that
 * exited and were waited for included. Linux only (reads /proc); 0 where /proc is not there. Read
 * it before and after a phase: the difference is what the phase cost that service, which on a
 * shared machine says more than wall-clock rates.
 */
export function processTreeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return 0;
  }
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const p of pids) {
    const stat = procStat(p);
    if (!stat) continue;
    ticks.set(p, stat.ticks);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), p]);
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += ticks.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total / TICKS_PER_SECOND;
}

/** This process's own CPU seconds (user + system), worker threads included. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
