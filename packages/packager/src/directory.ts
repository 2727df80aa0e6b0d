import { createReadStream, readFileSync } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { ContentReader } from './blobs.ts';
import { SourceRefused, quote } from './errors.ts';
import type { ArchiveItem, ArchivePlan } from './layout.ts';
import { checkSymlinks, decodeLinkTarget } from './symlinks.ts';
import { checkPath } from './tree.ts';
import type { SourceLimits, TreeEntry } from './types.ts';

/**
 * Plans an archive of a folder on disk (a distribution assembled from other archives):
 * the same rules and the same reproducible layout as a git tree. Entries are sorted
 * bytewise by path, modes normalized (the exec bit kept), symlinks checked to stay inside
 * the tree; `top` is the archive's top folder. Files are read from disk when archived, so
 * nothing is held in memory but the listing.
 */
export async function planDirectory(
  root: string,
  top: string,
  mtime: number,
  limits: SourceLimits,
): Promise<ArchivePlan> {
  const items = assembledItems(top, await listDirectory(root, limits));
  const blobOids = items.filter((i) => i.type === 'file').map((i) => i.entry!.oid);
  return {
    mtime,
    openReader: () => new FileReader(),
    items,
    // Info files keep the stamps of their own project releases: nothing is injected here.
    stamp: { project: top, version: '', datestamp: mtime },
    blobOids,
  };
}

/**
 * The archive items of an assembled tree's sorted entries under the top folder `top`, its
 * symlinks checked to stay inside: modes normalized (the exec bit kept), nothing injected.
 */
export function assembledItems(top: string, entries: TreeEntry[]): ArchiveItem[] {
  checkSymlinks(entries);
  const items: ArchiveItem[] = [{ name: `${top}/`, type: 'directory', mode: 0o755, info: false }];
  for (const entry of entries) {
    const name = `${top}/${entry.path}`;
    if (entry.kind === 'directory')
      items.push({ name: `${name}/`, type: 'directory', mode: 0o755, entry, info: false });
    else if (entry.kind === 'symlink') items.push({ name, type: 'symlink', mode: 0o777, entry, info: false });
    else items.push({ name, type: 'file', mode: entry.kind === 'executable' ? 0o755 : 0o644, entry, info: false });
  }
  return items;
}

/** Every entry under `root`, `oid` being the file's absolute path, sorted bytewise by path. */
export async function listDirectory(root: string, limits: SourceLimits): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let total = 0;
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const name of await readdir(folder)) {
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      checkPath(Buffer.from(relative, 'utf8'));
      const absolute = path.join(folder, name);
      const stat = await lstat(absolute);
      if (entries.length + 1 > limits.maxFiles) {
        throw new SourceRefused('too_many_files', `the build has more than ${limits.maxFiles} files and folders`);
      }
      if (stat.isDirectory()) {
        entries.push({ path: relative, kind: 'directory', oid: absolute, size: 0 });
        await walk(absolute, relative);
      } else if (stat.isSymbolicLink()) {
        const target = decodeLinkTarget(relative, Buffer.from(await readlink(absolute), 'utf8'));
        entries.push({ path: relative, kind: 'symlink', oid: absolute, size: 0, linkTarget: target });
      } else if (stat.isFile()) {
        if (stat.size > limits.maxFileBytes) {
          throw new SourceRefused(
            'file_too_large',
            `file ${quote(relative)} is over ${limits.maxFileBytes} bytes`,
            relative,
          );
        }
        total += stat.size;
        if (total > limits.maxTotalBytes)
          throw new SourceRefused('tree_too_large', `the build is over ${limits.maxTotalBytes} bytes`);
        entries.push({
          path: relative,
          kind: stat.mode & 0o111 ? 'executable' : 'file',
          oid: absolute,
          size: stat.size,
        });
      } else {
        throw new SourceRefused(
          'mode_invalid',
          `${quote(relative)} is neither a file, a folder nor a symlink`,
          relative,
        );
      }
    }
  };
  await walk(root, '');
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
}

/** Files up to this size are read in one synchronous call (see `readAll`). */
const SYNC_READ_BYTES = 256 * 1024;

/** Reads staged files from disk (`oid` is the absolute path); a file whose size changed since it was listed is an error. */
export class FileReader implements ContentReader {
  async *blob(file: string, size: number): AsyncGenerator<Buffer> {
    if (size <= 1024 * 1024) {
      yield await this.readAll(file, size);
      return;
    }
    let read = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      read += (chunk as Buffer).length;
      if (read > size) break;
      yield chunk as Buffer;
    }
    if (read !== size) throw new Error(`${file} changed size while it was archived`);
  }

  async readAll(file: string, size: number): Promise<Buffer> {
    // A staged file was just written, so it is in the page cache: reading it synchronously
    // costs microseconds, where fs.promises' open, fstat, read and close are four trips
    // through the thread pool, queued behind the deflate work of both archives.
    const content = size <= SYNC_READ_BYTES ? readFileSync(file) : await readFile(file);
    if (content.length !== size) throw new Error(`${file} changed size while it was archived`);
    return content;
  }

  close(): void {}
}
