import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';

/** What the git helpers use of a child process: piped stdio, its end, and a way to stop it. */
export interface GitChild extends EventEmitter {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'close' | 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'close' | 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
}

/**
 * The body of the spawner process, plain JavaScript run with `node -e` (see deflate-thread.ts
 * on why a string). For each request it connects three sockets to the parent's server, says
 * on each which process and stream it is, starts the command with them as its stdin, stdout
 * and stderr, and closes its own copies: git then talks to the parent directly, and the bytes
 * never pass through here. It reports the exit, forwards kills, and when the parent goes away
 * it kills what it started and exits.
 */
const SPAWNER_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = process.argv[1];
const children = new Map();
// Requests whose command is not running yet, and kills that arrived for them meanwhile.
const pending = new Set();
const killed = new Map();
// Paused and half-open: bytes (and the end of stdin) the parent sends before the command
// starts must stay in the socket for it, not be read here or close the socket.
const connect = (id, index) => new Promise((resolve, reject) => {
  const socket = net.connect({ path, allowHalfOpen: true });
  socket.pause();
  socket.once('error', reject);
  socket.once('connect', () => socket.write(id + ' ' + index + '\\n', (error) => (error ? reject(error) : resolve(socket))));
});
process.on('message', async (request) => {
  if (request.type === 'kill') {
    const child = children.get(request.id);
    if (child) killGroup(child, request.signal);
    else if (pending.has(request.id)) killed.set(request.id, request.signal);
    return;
  }
  pending.add(request.id);
  const sockets = [];
  try {
    for (const index of [0, 1, 2]) sockets.push(await connect(request.id, index));
    // In a process group of its own, which the parent kills should this process die first.
    const child = spawn(request.command, request.args, { env: request.env, stdio: sockets, detached: true });
    children.set(request.id, child);
    if (child.pid !== undefined) process.send({ type: 'started', id: request.id, pid: child.pid });
    child.on('error', (error) => {
      process.send({ type: 'error', id: request.id, message: error.message });
      // A command that could not start (ENOENT) reports no exit of its own.
      if (child.pid === undefined && children.delete(request.id)) {
        process.send({ type: 'exit', id: request.id, code: null, signal: null, started: false });
      }
    });
    child.on('exit', (code, signal) => {
      children.delete(request.id);
      process.send({ type: 'exit', id: request.id, code, signal });
    });
    if (killed.has(request.id)) killGroup(child, killed.get(request.id));
  } catch (error) {
    process.send({ type: 'error', id: request.id, message: String((error && error.message) || error) });
    process.send({ type: 'exit', id: request.id, code: null, signal: null, started: false });
  } finally {
    pending.delete(request.id);
    killed.delete(request.id);
    for (const socket of sockets) socket.destroy();
  }
});
// The command and what it started (git fetch starts upload-pack or a remote helper, which
// hold its stderr open): a timeout's kill ends them all at once.
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
// Ctrl-C reaches the whole terminal's process group: the parent decides what stops, and
// this ends when the parent has gone.
process.on('SIGINT', () => {});
process.on('disconnect', () => {
  for (const child of children.values()) killGroup(child, 'SIGKILL');
  process.exit(0);
});
`;

type Answer =
  | { type: 'started'; id: number; pid: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null; started?: false };

class SpawnedChild extends EventEmitter implements GitChild {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  /** Also its process group's id. */
  pid: number | undefined;
  private exited = false;
  private closed = false;
  /** stdout and stderr still to end: 'close' waits for them, as a child process's does. */
  private outputsOpen = 2;
  private readonly sockets: Socket[] = [];

  constructor(
    readonly id: number,
    private readonly sendKill: (signal: NodeJS.Signals) => void,
  ) {
    super();
  }

  /** Stream `index` (0 stdin, 1 stdout, 2 stderr) has connected, its first line read. */
  attach(index: number, socket: Socket): void {
    socket.on('error', () => {}); // the exit status says what went wrong
    this.sockets.push(socket);
    if (index === 0) {
      this.stdin.pipe(socket);
      socket.resume(); // nothing comes this way; reading it sees git's end
      return;
    }
    socket.once('close', () => {
      this.outputsOpen -= 1;
      this.maybeClose();
    });
    socket.pipe(index === 1 ? this.stdout : this.stderr);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exited) return false;
    this.sendKill(signal);
    return true;
  }

  answered(answer: Answer): void {
    if (answer.type === 'started') {
      this.pid = answer.pid;
      return;
    }
    if (answer.type === 'error') {
      // As a child process that could not start; callers that do not listen learn it from the exit.
      if (this.listenerCount('error') > 0) this.emit('error', new Error(answer.message));
      return;
    }
    this.exited = true;
    this.exitCode = answer.code;
    this.signalCode = answer.signal;
    this.emit('exit', answer.code, answer.signal);
    if (answer.started === false) {
      // It never ran, or its spawner is gone: what is connected is cut, nothing more will end.
      for (const socket of this.sockets) {
        socket.unpipe();
        socket.destroy();
      }
      this.outputsOpen = 0;
      this.stdout.end();
      this.stderr.end();
    }
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.closed || !this.exited || this.outputsOpen > 0) return;
    this.closed = true;
    this.emit('close', this.exitCode, this.signalCode);
  }
}

/**
 * Starts git from a small helper process instead of from this one. Node starts a child with
 * `fork()`: afterwards every page of this process is copy-on-write, and it takes a page fault
 * at its first write to each again. A packaging worker holds ~270 MB, and a core release ran
 * five git processes: ~35,000 page faults per release, each ~24 µs on the machines measured
 * (touching 100 MB after one spawn cost 0.6 s). The helper holds a few MB, so its forks are
 * cheap, and git's stdio are Unix sockets connected to this process: nothing is relayed.
 */
class Spawner {
  private helper: ChildProcess | undefined;
  private server: Server | undefined;
  private socketPath = '';
  private ready: Promise<void> | undefined;
  private readonly children = new Map<number, SpawnedChild>();
  private nextId = 1;

  spawn(command: string, args: readonly string[], env: NodeJS.ProcessEnv): GitChild {
    // A kill waits for the spawner as the spawn request does, and follows it.
    const child = new SpawnedChild(this.nextId++, (signal) =>
      this.start().then(
        () => this.send({ type: 'kill', id: child.id, signal }),
        () => {},
      ),
    );
    this.children.set(child.id, child);
    // Known until its streams have ended: they may connect after its exit is reported.
    child.once('close', () => this.forget(child.id));
    this.holdOpen();
    this.start()
      .then(() => this.send({ type: 'spawn', id: child.id, command, args: [...args], env }))
      .catch((error: Error) => this.fail(child, `git could not be started: ${error.message}`));
    return child;
  }

  private start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      removeAbandonedFolders();
      const dir = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
      this.socketPath = join(dir, 's');
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const server = createServer((socket) => this.connected(socket));
      server.unref();
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        this.server = server;
        // Not this process's NODE_OPTIONS: a loader (tsx under vitest) has nothing to do there.
        const env = { ...process.env };
        delete env.NODE_OPTIONS;
        const helper = spawn(
          process.execPath,
          ['--max-semi-space-size=1', '--jitless', '-e', SPAWNER_SOURCE, this.socketPath],
          {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env,
          },
        );
        this.helper = helper;
        helper.on('message', (answer: Answer) => this.children.get(answer.id)?.answered(answer));
        helper.once('exit', (code, signal) => this.helperGone(`the git spawner exited (${signal ?? code})`));
        helper.once('error', (error) => this.helperGone(`the git spawner failed: ${error.message}`));
        helper.unref();
        this.holdOpen();
        resolve();
      });
    });
    return this.ready;
  }

  private send(message: object): void {
    this.helper?.send(message);
  }

  /** A stream of some child connecting: its first line says whose and which. */
  private connected(socket: Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(0x0a);
      if (newline < 0) {
        if (head.length > 64) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const [id, index] = head.subarray(0, newline).toString('latin1').split(' ').map(Number);
      const rest = head.subarray(newline + 1);
      if (rest.length > 0) socket.unshift(rest);
      const child = this.children.get(id!);
      if (!child || !(index! >= 0 && index! <= 2)) return void socket.destroy();
      child.attach(index!, socket);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  }

  private fail(child: SpawnedChild, message: string): void {
    child.answered({ type: 'error', id: child.id, message });
    child.answered({ type: 'exit', id: child.id, code: null, signal: null, started: false });
  }

  private forget(id: number): void {
    this.children.delete(id);
    this.holdOpen();
  }

  /** Like a running child process, a pending one keeps this process alive; an idle helper does not. */
  private holdOpen(): void {
    const busy = this.children.size > 0;
    if (busy) {
      this.helper?.channel?.ref();
      this.server?.ref();
    } else {
      this.helper?.channel?.unref();
      this.server?.unref();
    }
  }

  /**
   * The helper is gone: what it was running is stopped and fails (killed, the helper had no
   * chance to); the next spawn starts another helper.
   */
  private helperGone(reason: string): void {
    this.helper = undefined;
    this.ready = undefined;
    this.server?.close();
    this.server = undefined;
    for (const child of [...this.children.values()]) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
        killGroup(child.pid, 'SIGKILL');
      this.fail(child, reason);
    }
  }
}

/** The spawner's socket lives in `<tmpdir>/packhouse-git-<pid>-<random>/`, a folder only this user may enter. */
const FOLDER_PREFIX = 'packhouse-git-';

/**
 * Removes the socket folders of processes that are gone: one killed by a signal leaves its
 * folder behind (no 'exit' event runs), and over a host's life they would pile up.
 */
function removeAbandonedFolders(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(FOLDER_PREFIX)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(FOLDER_PREFIX.length))?.[1]);
    if (!Number.isSafeInteger(pid) || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** Signals a command started in a group of its own, and what it started, unless all have ended. */
function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: all of them have ended
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const spawner = new Spawner();
let direct = false;

/**
 * From now on, start commands from this process. For `npm start`, whose processes together
 * have a memory target: the spawner is a second Node process of ~47 MB.
 */
export function spawnWithoutHelper(): void {
  direct = true;
}

/** Starts `command` with piped stdio: through the spawner process, unless told otherwise. */
export function startProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv): GitChild {
  if (!direct) return spawner.spawn(command, args, env);
  // As through the spawner: in a group of its own, which a kill ends whole.
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const killLeader = child.kill.bind(child);
  child.kill = (signal: NodeJS.Signals = 'SIGTERM') =>
    child.pid !== undefined && child.exitCode === null && child.signalCode === null && killGroup(child.pid, signal)
      ? true
      : killLeader(signal);
  return child as unknown as GitChild;
}
