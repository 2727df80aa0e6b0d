import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { startProcess } from '../src/spawner.ts';
import { allEnded, closed, closedSoon, startWithItsOwn } from './processes.ts';

/** The spawner: the one child of this process that runs node with `-e`. */
function spawnerPid(): number {
  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' });
  const line = out.split('\n').find((row) => / -e /.test(row));
  return Number(line?.trim().split(/\s+/)[0]);
}

describe('spawner: commands started from a small helper process, talking to this one directly', () => {
  // First in this file: the spawner is not running yet when the kill is asked for.
  it('kills a command killed at once, before its spawner has started', async () => {
    const sleeping = startProcess('sleep', ['120'], process.env);
    sleeping.stdin.end();
    expect(sleeping.kill('SIGKILL')).toBe(true);
    expect(await closedSoon(sleeping)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('gives the command its stdin and this process its stdout, stderr and exit code', async () => {
    const child = startProcess('sh', ['-c', 'cat; echo oops >&2; exit 3'], process.env);
    child.stdin.end('hello\n');
    const [out, err, end] = await Promise.all([buffer(child.stdout), buffer(child.stderr), closed(child)]);
    expect([out.toString(), err.toString(), end]).toEqual(['hello\n', 'oops\n', { code: 3, signal: null }]);
    expect(child.exitCode).toBe(3);
  });

  it('loses no byte written before the command has started, and carries megabytes both ways', async () => {
    const input = randomBytes(6 * 1024 * 1024);
    const child = startProcess('cat', [], process.env);
    child.stdin.end(input); // at once: the command is not running yet
    const [out, end] = await Promise.all([buffer(child.stdout), closed(child)]);
    expect(end.code).toBe(0);
    expect(out.equals(input)).toBe(true);
  });

  it('is not a child of this process (no fork of it), and its parent is the spawner', async () => {
    const child = startProcess('sh', ['-c', 'echo $PPID'], process.env);
    child.stdin.end();
    const ppid = Number((await buffer(child.stdout)).toString());
    await closed(child);
    expect(ppid).not.toBe(process.pid);
    expect(ppid).toBe(spawnerPid());
  });

  it('kills on request, and reports a command that cannot start', async () => {
    const sleeping = startProcess('sleep', ['30'], process.env);
    sleeping.stdin.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    expect(sleeping.kill('SIGKILL')).toBe(true);
    expect(await closed(sleeping)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sleeping.kill('SIGKILL')).toBe(false);

    const missing = startProcess('/nonexistent/command', [], process.env);
    const errors: Error[] = [];
    missing.on('error', (error) => errors.push(error));
    missing.stdin.end();
    expect((await closed(missing)).code).not.toBe(0);
    expect(errors.map((error) => error.message).join()).toMatch(/ENOENT/);
  });

  it('kills what the command started too', async () => {
    const { child, pids } = await startWithItsOwn();
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await closedSoon(child)).toEqual({ code: null, signal: 'SIGKILL' });
    await allEnded(pids);
  });

  it('fails what a dead spawner was running, and starts another for the next command', async () => {
    // A process killed by a signal leaves its socket folder; the next spawner start removes
    // the folders of processes that are gone, and only those.
    const gone = execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim();
    const abandoned = mkdtempSync(path.join(tmpdir(), `packhouse-git-${gone}-`));
    const ours = mkdtempSync(path.join(tmpdir(), `packhouse-git-${process.pid}-`));
    const { child: sleeping, pids } = await startWithItsOwn();
    const errors: Error[] = [];
    sleeping.on('error', (error) => errors.push(error));
    process.kill(spawnerPid(), 'SIGKILL');
    await closedSoon(sleeping);
    expect(errors.map((error) => error.message).join()).toMatch(/spawner/);
    // Killed, not left running: gone, or a zombie its new parent has yet to reap.
    await allEnded(pids);

    const next = startProcess('echo', ['again'], process.env);
    next.stdin.end();
    expect((await buffer(next.stdout)).toString()).toBe('again\n');
    expect((await closed(next)).code).toBe(0);
    expect([existsSync(abandoned), existsSync(ours)]).toEqual([false, true]);
    rmSync(ours, { recursive: true });
  });
});
