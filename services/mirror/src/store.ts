import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The mirror folder. Archives and feeds sit at the origin's paths, so any static server can
 * serve it as-is (`files/projects/…`, `release-history/…`); the mirror's own state lives in
 * `.mirror/`. Every file reaches its final name by rename from a fsynced temporary file, so a
 * final name never holds a partial file, whenever the process is killed. Archives' renames are
 * made durable by one fsync of their folder per page (`syncArchives`), before the cursor moves.
 */
export class Store {
  readonly stateDir: string;
  readonly tmpDir: string;
  private tmpCounter = 0;

  constructor(readonly root: string) {
    this.stateDir = path.join(root, '.mirror');
    this.tmpDir = path.join(this.stateDir, 'tmp');
  }

  /**
   * Takes the folder (one mirror per folder: `.mirror/lock` holds its pid; a lock whose
   * process is gone, as after a kill, is taken over), creates the layout and drops the
   * temporary files a killed run left behind.
   */
  async open(): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const lock = path.join(this.stateDir, 'lock');
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(lock, 'utf8'));
      if (holder !== process.pid && isAlive(holder))
        throw new Error(`another mirror (pid ${holder}) is using ${this.root}`);
      await writeFile(lock, String(process.pid));
    }
    await rm(this.tmpDir, { recursive: true, force: true });
    for (const dir of [this.tmpDir, this.archiveDir(), path.join(this.root, 'release-history')])
      await mkdir(dir, { recursive: true });
  }

  archiveDir(): string {
    return path.join(this.root, 'files', 'projects');
  }

  archivePath(name: string): string {
    return path.join(this.archiveDir(), safeName(name));
  }

  feedPath(project: string, selector: string): string {
    return path.join(this.root, 'release-history', safeName(project), safeName(selector));
  }

  tempPath(): string {
    return path.join(this.tmpDir, `${process.pid}-${++this.tmpCounter}.part`);
  }

  /**
   * Whether a file stands at this final name. Synchronous on purpose: a stat of one name is
   * microseconds, whereas through libuv's thread pool it would queue behind the fsyncs of the
   * archives being committed and hold a download back for milliseconds.
   */
  exists(file: string): boolean {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  }

  /** sha256 and size of a file at its final name, or null when there is none. */
  async digestOf(file: string): Promise<{ sha256: string; size: number } | null> {
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return { sha256: hash.digest('hex'), size };
  }

  /** Moves a fsynced temporary file to its final name (in a folder that exists). */
  async commit(temp: string, final: string): Promise<void> {
    await rename(temp, final);
  }

  /**
   * Puts verified bytes under `final` in the archive folder: a temporary file, fsynced, then
   * renamed. The folder's fsync comes once per page (`syncArchives`).
   */
  async commitBytes(final: string, bytes: Buffer): Promise<void> {
    const temp = this.tempPath();
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    await this.commitFile(temp, handle, final);
  }

  /** As commitBytes, for a temporary file already written through `handle` (a large archive, streamed). */
  async commitFile(temp: string, handle: FileHandle, final: string): Promise<void> {
    try {
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.commit(temp, final);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Writes bytes to `final` atomically: temporary file, fsync, rename, fsync of the folder. */
  async writeAtomic(final: string, bytes: Buffer | string): Promise<void> {
    const temp = this.tempPath();
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await mkdir(path.dirname(final), { recursive: true });
    await this.commit(temp, final);
    await syncDir(path.dirname(final));
  }

  async readState<T>(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.stateDir, 'state.json'), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async writeState(state: unknown): Promise<void> {
    await this.writeAtomic(path.join(this.stateDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Makes renames into the archive folder durable (once per page, before its cursor is saved). */
  async syncArchives(): Promise<void> {
    await syncDir(this.archiveDir());
  }

  async feedSelectorsOf(project: string): Promise<string[]> {
    try {
      return await readdir(path.join(this.root, 'release-history', safeName(project)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async removeProjectFeeds(project: string): Promise<void> {
    await rm(path.join(this.root, 'release-history', safeName(project)), { recursive: true, force: true });
  }

  async listFeedProjects(): Promise<string[]> {
    return (await readdir(path.join(this.root, 'release-history'))).filter((name) => name !== 'project-list');
  }

  /** Gives the folder back (the end of run()). */
  async close(): Promise<void> {
    await rm(path.join(this.stateDir, 'lock'), { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A path segment from the origin: a file name, never a way out of the mirror folder. */
export function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name) || name.includes('..'))
    throw new Error(`refusing the unsafe name "${name}"`);
  return name;
}
