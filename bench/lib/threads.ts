import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU milliseconds (user + system) of each live thread of `pid`, summed by thread name:
 * MainThread, libuv-worker (the thread pool: the tar.gz's deflate blocks), WorkerThread (the
 * zip's deflate thread), V8Worker (V8's helpers: concurrent marking, sweeping, compiling).
 * Threads that have exited are not counted.
 */
export function cpuByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let thread: { name: string; ms: number };
    try {
      thread = threadCpu(pid, Number(tid));
    } catch {
      continue; // the thread ended meanwhile
    }
    byName.set(thread.name, (byName.get(thread.name) ?? 0) + thread.ms);
  }
  return byName;
}

/** The name and CPU milliseconds (user + system, from the kernel) of thread `tid` of `pid`. */
export function threadCpu(pid: number, tid: number): { name: string; ms: number } {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  // After the name come the fields from the state (field 3) on: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name, ms: (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10 }; // clock ticks (USER_HZ, 100)
}

/** `after - before` per thread name, as `name ms` pairs, busiest first; names under 10 ms left out. */
export function formatThreadCpu(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const)
    .filter(([, ms]) => ms >= 10)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
}
