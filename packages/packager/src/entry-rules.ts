import { SourceRefused, quote } from './errors.ts';
import { checkSymlinks, decodeLinkTarget } from './symlinks.ts';
import { checkPath } from './tree.ts';
import type { SourceLimits, TreeEntry } from './types.ts';

export interface UnpackOptions {
  limits: SourceLimits;
  /** The one top folder every entry must sit in, removed on the way (a Packhouse release's `views/`). */
  strip?: string;
}

/**
 * The rules every entry of an unpacked archive follows, whether it is written to disk
 * (`unpack.ts`) or only listed to be streamed later (`tar-listing.ts`): paths relative,
 * UTF-8, free of `..`, `.git` and backslashes, inside the stripped top folder; no entry
 * twice; sizes and counts within the limits; symlinks checked to stay inside the tree.
 * Each entry's `oid` is its name in the archive.
 */
export class EntryRules {
  readonly entries: TreeEntry[] = [];
  private readonly seen = new Set<string>();
  private total = 0;

  constructor(private readonly options: UnpackOptions) {}

  /** The entry's path inside the tree, or null for the stripped top folder itself. */
  relative(raw: Buffer): string | null {
    let name = raw.toString('utf8');
    while (name.endsWith('/')) name = name.slice(0, -1);
    if (name.startsWith('./')) name = name.slice(2);
    // `tar -C dir .` writes the folder itself as `./`.
    if (name === '.' || name === '') return null;
    const strip = this.options.strip;
    if (strip !== undefined) {
      if (name === strip) return null;
      if (!name.startsWith(`${strip}/`)) {
        throw new SourceRefused(
          'archive_layout',
          `entry ${quote(name)} is not inside the archive's top folder ${quote(strip)}`,
          name,
        );
      }
      name = name.slice(strip.length + 1);
    }
    const relative = checkPath(Buffer.from(name, 'utf8'));
    if (this.seen.has(relative))
      throw new SourceRefused('path_conflict', `entry ${quote(relative)} appears twice`, relative);
    this.seen.add(relative);
    if (this.seen.size > this.options.limits.maxFiles) {
      throw new SourceRefused('too_many_files', `the archive has more than ${this.options.limits.maxFiles} entries`);
    }
    return relative;
  }

  directory(relative: string, name: string): void {
    this.entries.push({ path: relative, kind: 'directory', oid: name, size: 0 });
  }

  file(relative: string, name: string, size: number, executable: boolean): void {
    const { maxFileBytes, maxTotalBytes } = this.options.limits;
    if (size > maxFileBytes)
      throw new SourceRefused('file_too_large', `file ${quote(relative)} is over ${maxFileBytes} bytes`, relative);
    this.total += size;
    if (this.total > maxTotalBytes)
      throw new SourceRefused('tree_too_large', `the archive unpacks to over ${maxTotalBytes} bytes`);
    this.entries.push({ path: relative, kind: executable ? 'executable' : 'file', oid: name, size });
  }

  link(relative: string, name: string, target: Buffer): void {
    this.entries.push({
      path: relative,
      kind: 'symlink',
      oid: name,
      size: 0,
      linkTarget: decodeLinkTarget(relative, target),
    });
  }

  /** Every link resolved inside the tree; call once every entry is in. */
  checkLinks(): void {
    checkSymlinks(this.entries);
  }
}
