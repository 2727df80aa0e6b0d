import type { ContentReader } from './blobs.ts';
import type { Deflated } from './deflate.ts';
import { assembledItems, FileReader } from './directory.ts';
import { SourceRefused, quote } from './errors.ts';
import type { ArchivePlan } from './layout.ts';
import { TarFiles } from './tar-listing.ts';
import { checkPath } from './tree.ts';
import type { SourceLimits, TreeEntry } from './types.ts';
import type { ComponentZip } from './zip-reuse.ts';

/** Where the files of a component placed in the tree are read from when it is archived. */
export type TreeSource =
  /** A verified tarball on disk, listed by `listTarGz` (sorted): its files are streamed out of it. */
  | { kind: 'tarball'; file: string; entries: TreeEntry[]; zip: ComponentZip | null }
  /** A folder on disk listed by `listDirectory` (a patched component, a library). */
  | { kind: 'folder'; entries: TreeEntry[]; zip: ComponentZip | null };

interface Placed {
  /** `path` is the path in the tree; `oid` still the source's (tar entry name, file on disk). */
  entry: TreeEntry;
  /** Null for a folder made to hold a component. */
  source: TreeSource | null;
  /** The path inside the component, for its zip's entries. */
  relative: string;
  key: Buffer;
}

/**
 * A site assembled from components without writing it out: each component is placed at a
 * path with its listing, and the archives of the tree (or of one of its folders) read every
 * file from where it lies, a component's tarball or a folder on disk, in one pass per
 * source. The tree has what unpacking every component into one folder would have made
 * (folders of the places included), under the same limits, except that a component never
 * lands on or through another's file or link: that is a `path_conflict`, where a folder
 * on disk would have been overwritten or followed.
 */
export class SiteTree {
  private readonly placed = new Map<string, Placed>();
  private sortedCache: Placed[] | null = null;
  private total = 0;

  constructor(private readonly limits: SourceLimits) {}

  has(path: string): boolean {
    return this.placed.has(path);
  }

  /** Places `source`'s entries under `at` ('' for the top of the tree). */
  place(at: string, source: TreeSource): void {
    if (at !== '') checkPath(Buffer.from(at, 'utf8'));
    this.folder(at);
    for (const entry of source.entries) {
      const path = at === '' ? entry.path : `${at}/${entry.path}`;
      const slash = path.lastIndexOf('/');
      if (slash > 0) this.folder(path.slice(0, slash));
      const existing = this.placed.get(path);
      if (existing) {
        if (existing.entry.kind === 'directory' && entry.kind === 'directory') continue;
        throw new SourceRefused('path_conflict', `${quote(path)} comes from two components`, path);
      }
      this.add({ entry: { ...entry, path }, source, relative: entry.path, key: Buffer.from(path, 'utf8') });
    }
  }

  /**
   * The archive plan of the folder at `at` ('' for the whole tree), under the top folder
   * `top`: sorted bytewise by path, modes normalized, symlinks checked to stay inside it,
   * exactly as `planDirectory` plans the same tree on disk.
   */
  plan(at: string, top: string, mtime: number): ArchivePlan {
    const prefix = at === '' ? '' : `${at}/`;
    if (at !== '' && this.placed.get(at)?.entry.kind !== 'directory')
      throw new Error(`${at} is not a folder of the tree`);
    const chosen = this.sorted().filter((placed) => placed.entry.path.startsWith(prefix));
    // `oid` is the path in the whole tree: the reader finds each file's source by it.
    const entries = chosen.map(({ entry }) => ({ ...entry, path: entry.path.slice(prefix.length), oid: entry.path }));
    const items = assembledItems(top, entries);
    return {
      mtime,
      openReader: () => new SiteReader(this.placed),
      items,
      // Info files keep the stamps of their own project releases: nothing is injected here.
      stamp: { project: top, version: '', datestamp: mtime },
      blobOids: items.filter((i) => i.type === 'file').map((i) => i.entry!.oid),
    };
  }

  /** Makes `path` and the folders above it, unless they are folders already. */
  private folder(path: string): void {
    if (path === '') return;
    const existing = this.placed.get(path);
    if (existing) {
      if (existing.entry.kind !== 'directory')
        throw new SourceRefused('path_conflict', `${quote(path)} is not a folder, but a component lies in it`, path);
      return;
    }
    const slash = path.lastIndexOf('/');
    if (slash > 0) this.folder(path.slice(0, slash));
    const entry: TreeEntry = { path, kind: 'directory', oid: '', size: 0 };
    this.add({ entry, source: null, relative: path, key: Buffer.from(path, 'utf8') });
  }

  private add(placed: Placed): void {
    const { maxFiles, maxFileBytes, maxTotalBytes } = this.limits;
    const { path, size } = placed.entry;
    if (this.placed.size + 1 > maxFiles)
      throw new SourceRefused('too_many_files', `the build has more than ${maxFiles} files and folders`);
    if (size > maxFileBytes)
      throw new SourceRefused('file_too_large', `file ${quote(path)} is over ${maxFileBytes} bytes`, path);
    this.total += size;
    if (this.total > maxTotalBytes)
      throw new SourceRefused('tree_too_large', `the build is over ${maxTotalBytes} bytes`);
    this.placed.set(path, placed);
    this.sortedCache = null;
  }

  private sorted(): Placed[] {
    this.sortedCache ??= [...this.placed.values()].sort((a, b) => Buffer.compare(a.key, b.key));
    return this.sortedCache;
  }
}

/**
 * Reads the tree's files for one archive writer, which asks for them in tree order: each
 * component tarball is read in one pass (its sorted entries keep their order in the tree),
 * and a file of a component that has a zip is copied from it, deflated, when it is the same.
 */
class SiteReader implements ContentReader {
  private readonly tarballs = new Map<TreeSource, TarFiles>();
  private readonly files = new FileReader();

  constructor(private readonly placed: ReadonlyMap<string, Placed>) {}

  blob(oid: string, size: number): AsyncIterable<Buffer> {
    const { entry, source } = this.find(oid);
    if (source.kind === 'folder') return this.files.blob(entry.oid, size);
    let files = this.tarballs.get(source);
    if (!files) {
      files = new TarFiles(source.file);
      this.tarballs.set(source, files);
    }
    return files.content(entry.oid, size);
  }

  async readAll(oid: string, size: number): Promise<Buffer> {
    const { entry, source } = this.find(oid);
    if (source.kind === 'folder') return this.files.readAll(entry.oid, size);
    const parts: Buffer[] = [];
    for await (const chunk of this.blob(oid, size)) parts.push(chunk);
    return Buffer.concat(parts, size);
  }

  deflated(oid: string, content: Buffer): Deflated | null {
    const { source, relative } = this.find(oid);
    return source.zip?.deflated(relative, content) ?? null;
  }

  close(): void {
    for (const files of this.tarballs.values()) files.close();
    this.tarballs.clear();
  }

  private find(oid: string): Placed & { source: TreeSource } {
    const placed = this.placed.get(oid);
    if (!placed?.source) throw new Error(`${oid} is not a file of the tree`);
    return placed as Placed & { source: TreeSource };
  }
}
