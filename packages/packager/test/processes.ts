import { readFileSync } from 'node:fs';
import { eventually } from '@packhouse/testing';
import { startProcess, type GitChild } from '../src/spawner.ts';

export function closed(child: GitChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Its close within five seconds, or a failure: a command that has started one of its own closes when that ends too. */
export function closedSoon(child: GitChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return Promise.race([
    closed(child),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed within 5 s')), 5_000).unref()),
  ]);
}

/** A command that has started one of its own, as git fetch starts upload-pack; and both pids. */
export async function startWithItsOwn(): Promise<{ child: GitChild; pids: number[] }> {
  const child = startProcess('sh', ['-c', 'sleep 120 & echo $$ $!; wait'], process.env);
  child.stdin.end();
  const pids = await new Promise<number[]>((resolve) =>
    child.stdout.once('data', (line: Buffer) => resolve(line.toString().trim().split(' ').map(Number))),
  );
  return { child, pids };
}

/** Waits until each process is gone, or a zombie its new parent has yet to reap: killed, not left running. */
export async function allEnded(pids: number[]): Promise<void> {
  await eventually(async () => (pids.some(running) ? undefined : true), 5_000, `processes ${pids} to end`);
}

function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}
