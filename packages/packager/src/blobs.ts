import type { Deflated } from './deflate.ts';
import { collectStderr, spawnGit, type GitContext } from './git.ts';
import type { GitChild } from './spawner.ts';

const EMPTY = Buffer.alloc(0);
const MAX_HEADER = 1024;

/** What the archive writers read file contents through: blobs of a git tree, or files on disk. */
/**
 * The `size` bytes of one object's content as one buffer. Most files arrive inside one of
 * git's pipe chunks: then it is a view of that chunk, not a copy (the zip's read-ahead is
 * 2 MB of consecutive files, so the chunks it keeps alive are few).
 */
export async function readWhole(chunks: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

export interface ContentReader {
  /** Streams the next file, which must be `oid` with `size` bytes; drain it before the next. */
  blob(oid: string, size: number): AsyncIterable<Buffer>;
  readAll(oid: string, size: number): Promise<Buffer>;
  /** The raw deflate form of a file just read whole, when the reader has it already (zip.ts copies it). */
  deflated?(oid: string, content: Buffer): Deflated | null;
  close(): void;
}

/**
 * Reads many blobs through one `git cat-file --batch` process: a process per file would
 * not package 9,000 files in seconds. All object ids are sent up front (so git can stream
 * with `--buffer`) and must then be read back in that order. Output is pulled only as
 * the consumer asks for it, so backpressure reaches git through the pipe.
 */
export class BlobReader implements ContentReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly stderr: () => string;
  private readonly exited: Promise<string>;
  private buffered: Buffer = EMPTY;
  private busy = false;
  private spawnError: Error | undefined;

  private constructor(
    private readonly child: GitChild,
    private readonly timeoutMs: number,
  ) {
    this.stderr = collectStderr(child);
    this.chunks = child.stdout[Symbol.asyncIterator]();
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    });
    child.on('error', (error) => {
      this.spawnError = error;
    });
    // A dead process shows up as early end of stdout; EPIPE here would only hide that.
    child.stdin.on('error', () => {});
  }

  /** Reads the objects named on `lines` (object ids, or any name `git rev-parse` takes), in that order. */
  static open(ctx: GitContext, lines: readonly string[]): BlobReader {
    const reader = new BlobReader(spawnGit(ctx, ['cat-file', '--batch', '--buffer']), ctx.options.timeoutMs);
    reader.child.stdin.end(lines.map((line) => `${line}\n`).join(''));
    return reader;
  }

  /** Streams the next blob, which must be `oid` with `size` bytes; drain it before the next. */
  async *blob(oid: string, size: number): AsyncGenerator<Buffer> {
    if (this.busy) throw new Error('BlobReader: a blob was requested before the previous one was read');
    this.busy = true;
    try {
      this.checkHeader(await this.headerLine(), oid, size);
      yield* this.content(size, `blob ${oid}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The next object's header as git prints it, for objects not known in advance (a ref's):
   * `{ oid, type, size }`, or null when git answers `missing` (or `ambiguous`). Its content
   * must then be read with `content(size)` before the next header.
   */
  async header(): Promise<{ oid: string; type: string; size: number } | null> {
    const line = await this.headerLine();
    if (/ (missing|ambiguous)$/.test(line)) return null;
    const match = /^([0-9a-f]+) (\S+) (\d+)$/.exec(line);
    if (!match) throw new Error(`git cat-file: unexpected header ${JSON.stringify(line.slice(0, 200))}`);
    return { oid: match[1]!, type: match[2]!, size: Number(match[3]) };
  }

  /** Streams the `size` bytes of content after a header, and checks the newline that ends them. */
  async *content(size: number, what = 'object'): AsyncGenerator<Buffer> {
    let remaining = size;
    while (remaining > 0) {
      if (this.buffered.length === 0) this.buffered = await this.pull();
      const chunk = this.buffered.subarray(0, remaining);
      this.buffered = this.buffered.subarray(chunk.length);
      remaining -= chunk.length;
      yield chunk;
    }
    if (this.buffered.length === 0) this.buffered = await this.pull();
    if (this.buffered[0] !== 0x0a) throw new Error(`git cat-file: ${what} is longer than announced`);
    this.buffered = this.buffered.subarray(1);
  }

  readAll(oid: string, size: number): Promise<Buffer> {
    return readWhole(this.blob(oid, size), size);
  }

  close(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private checkHeader(line: string, oid: string, size: number): void {
    if (line === `${oid} missing`) throw new Error(`git cat-file: object ${oid} is missing from the repository`);
    const match = /^([0-9a-f]+) (\S+) (\d+)$/.exec(line);
    if (!match) throw new Error(`git cat-file: unexpected header ${JSON.stringify(line.slice(0, 200))}`);
    if (match[1] !== oid) throw new Error(`git cat-file: expected ${oid}, got ${match[1]}`);
    if (match[2] !== 'blob') throw new Error(`git cat-file: ${oid} is a ${match[2]}, not a blob`);
    // The listing decided the limits; content that disagrees with it is never trusted.
    if (Number(match[3]) !== size) {
      throw new Error(`git cat-file: blob ${oid} has ${match[3]} bytes, the tree listing said ${size}`);
    }
  }

  private async headerLine(): Promise<string> {
    for (;;) {
      const newline = this.buffered.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.buffered.subarray(0, newline).toString('latin1');
        this.buffered = this.buffered.subarray(newline + 1);
        return line;
      }
      if (this.buffered.length > MAX_HEADER) throw new Error('git cat-file: header line too long');
      this.buffered = Buffer.concat([this.buffered, await this.pull()]);
    }
  }

  /** The next chunk from git; the timeout only runs while we wait on git, not on our consumer. */
  private async pull(): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const result = await Promise.race([this.chunks.next(), timeout]);
      if (result === 'timeout') {
        this.close();
        throw new Error(`git cat-file timed out after ${this.timeoutMs} ms`);
      }
      if (result.done) {
        const status = await this.exited;
        const cause = this.spawnError?.message ?? this.stderr().trim().slice(0, 500);
        throw new Error(`git cat-file ended early (${status})${cause ? `: ${cause}` : ''}`);
      }
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
