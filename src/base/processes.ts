// Whether a process on this host is alive: the one rule every "is its owner gone?" check uses
// (job leases, the imports registry, stale temporary files).
import fs from 'node:fs';

/** /proc/<pid>/stat of Linux, split after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); null off Linux. */
export function processStart(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** Whether process `pid` exists on this host (EPERM: it does, under another user) and is not a zombie (killed, not yet reaped). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  return !(stat && (stat[0] === 'Z' || stat[0] === 'X'));
}
