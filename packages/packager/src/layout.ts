import { BlobReader, type ContentReader } from './blobs.ts';
import type { GitContext } from './git.ts';
import { decodeInfoText, infoFormat, injectInfo, type InfoStamp } from './info.ts';
import type { Checkout, Release, TreeEntry } from './types.ts';

/** One entry of an archive, in the order both formats write them. */
export interface ArchiveItem {
  /** Path inside the archive; directories end with `/`. */
  name: string;
  type: 'directory' | 'file' | 'symlink';
  /** Permission bits only: normalized, never the source's. */
  mode: number;
  /** Absent for the top folder. */
  entry?: TreeEntry;
  /** Rewritten as an info file, so its size is only known once read. */
  info: boolean;
}

/** Everything both archive writers need, computed once. */
export interface ArchivePlan {
  /** Unix seconds: every entry's mtime. */
  mtime: number;
  /** Opens a reader of every file's content in `blobOids` order; each writer opens its own. */
  openReader(): ContentReader;
  items: ArchiveItem[];
  stamp: InfoStamp;
  /** Every blob read through cat-file, in item order. */
  blobOids: string[];
}

function topFolder(release: Release): string {
  return release.type === 'core' ? `${release.project}-${release.version}` : release.project;
}

export function planArchive(checkout: Checkout, release: Release, ctx: GitContext): ArchivePlan {
  const top = topFolder(release);
  const items: ArchiveItem[] = [{ name: `${top}/`, type: 'directory', mode: 0o755, info: false }];
  for (const entry of checkout.entries) {
    const name = `${top}/${entry.path}`;
    switch (entry.kind) {
      case 'directory':
        items.push({ name: `${name}/`, type: 'directory', mode: 0o755, entry, info: false });
        break;
      case 'symlink':
        items.push({ name, type: 'symlink', mode: 0o777, entry, info: false });
        break;
      default:
        items.push({
          name,
          type: 'file',
          mode: entry.kind === 'executable' ? 0o755 : 0o644,
          entry,
          info: infoFormat(entry.path) !== null,
        });
    }
  }
  // Entries are sorted and share the `top/` prefix, so items stay sorted by archive path.
  const blobOids = items.filter((i) => i.type === 'file').map((i) => (i.entry as TreeEntry).oid);
  return {
    mtime: checkout.commitTime,
    openReader: () => BlobReader.open(ctx, blobOids),
    items,
    stamp: { project: release.project, version: release.version, datestamp: checkout.commitTime },
    blobOids,
  };
}

/** Reads an info file from the batch and returns its packaged bytes. */
export async function renderInfo(reader: ContentReader, item: ArchiveItem, stamp: InfoStamp): Promise<Buffer> {
  const entry = item.entry as TreeEntry;
  const text = decodeInfoText(await reader.readAll(entry.oid, entry.size));
  if (text === null) throw new Error(`info file ${entry.path} is not text`);
  return Buffer.from(injectInfo(entry.path, text, stamp), 'utf8');
}

export function linkTarget(item: ArchiveItem): string {
  const target = item.entry?.linkTarget;
  if (target === undefined) throw new Error(`symlink ${item.name} has no validated target`);
  return target;
}
