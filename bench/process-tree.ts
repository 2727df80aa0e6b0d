import { readdirSync, readFileSync } from 'node:fs';

/**
 * Peak resident memory of a process and everything it started (child processes, git),
 * sampled every 50 ms: the sum of the tree's VmRSS at each sample, and the root's own
 * VmHWM (the kernel's exact peak for that one process).
 *
 * A child caught between fork() and exec() is left out: it is still a copy-on-write image
 * of its parent (same command line), so its VmRSS counts the parent's pages a second time.
 * Node spawns git that way, and a sample landing in that window of a 300 MB process once
 * reported 130 MB that no one had allocated.
 */
export function sampleTree(rootPid: number) {
  let peakTreeKb = 0;
  let peakRootKb = 0;
  let peakParts: string[] = [];
  const sample = () => {
    const parents = new Map<number, number[]>();
    const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // The command name may contain spaces and parentheses: the fields follow the last ')'.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
      } catch {
        // Exited between readdir and read.
      }
    }
    let total = 0;
    const parts: string[] = [];
    const queue: Array<[pid: number, parent: number | undefined]> = [[rootPid, undefined]];
    while (queue.length > 0) {
      const [pid, parent] = queue.pop()!;
      try {
        if (parent !== undefined && commandLine(pid) === commandLine(parent)) continue; // forked, not yet exec'd
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        total += rss;
        parts.push(`${/Name:\s+(\S+)/.exec(status)?.[1]} ${Math.round(rss / 1024)}`);
        if (pid === rootPid) peakRootKb = Math.max(peakRootKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        continue;
      }
      queue.push(...(parents.get(pid) ?? []).map((child): [number, number] => [child, pid]));
    }
    if (total > peakTreeKb) {
      peakTreeKb = total;
      peakParts = parts;
    }
  };
  const timer = setInterval(sample, 50);
  return {
    /** Peak of the whole tree's summed RSS, and never below the root's own peak. */
    peakTreeKb: () => (sample(), Math.max(peakTreeKb, peakRootKb)),
    peakRootKb: () => (sample(), peakRootKb),
    /** The processes at the tree's peak: "name MB" each. */
    peakParts: () => peakParts.join(', '),
    stop: () => clearInterval(timer),
  };
}
