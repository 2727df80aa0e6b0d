import { SourceRefused, quote } from './errors.ts';
import { infoFormat } from './info.ts';
import { MAX_SYMLINK_TARGET_BYTES } from './symlinks.ts';
import type { SourceLimits, TreeEntry } from './types.ts';

/** One record of `git ls-tree -r -t -z --long`, path still raw bytes. */
export interface TreeRecord {
  mode: string;
  type: string;
  oid: string;
  size: number | null;
  path: Buffer;
}

/** Info files are a few hundred bytes; Drupal reads them on every cache rebuild. */
export const MAX_INFO_BYTES = 1024 * 1024;

const RECORD_HEAD = /^(\d{6}) (blob|tree|commit) ([0-9a-f]{40}|[0-9a-f]{64}) +(-|\d+)$/;

export function parseRecord(record: Buffer): TreeRecord {
  const tab = record.indexOf(0x09);
  const head = RECORD_HEAD.exec(record.subarray(0, Math.max(tab, 0)).toString('latin1'));
  if (tab < 0 || !head)
    throw new Error(`unexpected git ls-tree output: ${JSON.stringify(record.toString('latin1').slice(0, 200))}`);
  const [, mode = '', type = '', oid = '', size = '-'] = head;
  return { mode, type, oid, size: size === '-' ? null : Number(size), path: record.subarray(tab + 1) };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Rejects paths that could land outside the folder, or inside a `.git`, when extracted. */
export function checkPath(raw: Buffer): string {
  let path: string;
  try {
    path = strictUtf8.decode(raw);
  } catch {
    const shown = raw.toString('utf8');
    throw new SourceRefused('path_not_utf8', `path ${quote(shown)} is not valid UTF-8`, shown);
  }
  const refuse = (rule: string, why: string): never => {
    throw new SourceRefused(rule, `path ${quote(path)} ${why}`, path);
  };
  if (path.startsWith('/')) refuse('path_absolute', 'is absolute');
  for (const component of path.split('/')) {
    if (component === '' || component === '.' || component === '..') {
      refuse('path_traversal', `has a \`${component === '' ? '(empty)' : component}\` component`);
    }
    // Windows also opens `.git.` / `.git ` / the short name `git~1` as `.git`.
    if (/^(\.git[. ]*|git~\d)$/i.test(component)) refuse('path_git_dir', 'has a `.git` component');
    // zip tools turn `\` into `/`, and Windows treats it as a separator.
    if (component.includes('\\')) refuse('path_backslash', 'contains a backslash');
  }
  return path;
}

function kindOf(record: TreeRecord, path: string): TreeEntry['kind'] {
  const { mode, type } = record;
  if (mode === '160000' || type === 'commit') {
    throw new SourceRefused('submodule', `path ${quote(path)} is a submodule (gitlink)`, path);
  }
  if (mode === '040000' && type === 'tree') return 'directory';
  if (mode === '120000' && type === 'blob') return 'symlink';
  if (mode === '100755' && type === 'blob') return 'executable';
  if (mode === '100644' && type === 'blob') return 'file';
  throw new SourceRefused('mode_invalid', `path ${quote(path)} has unsupported mode ${mode} (${type})`, path);
}

/**
 * Validates records one at a time as git lists them, so hostile trees are refused before
 * the listing is complete and before any content is read.
 */
export class TreeValidator {
  private readonly entries: TreeEntry[] = [];
  private totalBytes = 0;

  constructor(private readonly limits: SourceLimits) {}

  add(record: TreeRecord): void {
    const path = checkPath(record.path);
    const kind = kindOf(record, path);
    const size = record.size ?? 0;
    if (this.entries.length + 1 > this.limits.maxFiles) {
      throw new SourceRefused('too_many_files', `tree has more than ${this.limits.maxFiles} entries`);
    }
    if (kind !== 'directory') {
      if (size > this.limits.maxFileBytes) {
        throw new SourceRefused(
          'file_too_large',
          `path ${quote(path)} is ${size} bytes, over the ${this.limits.maxFileBytes} byte limit`,
          path,
        );
      }
      this.totalBytes += size;
      if (this.totalBytes > this.limits.maxTotalBytes) {
        throw new SourceRefused('tree_too_large', `tree is over the ${this.limits.maxTotalBytes} byte limit`);
      }
    }
    if (kind === 'symlink' && infoFormat(path) !== null) {
      throw new SourceRefused('info_file_symlink', `info file ${quote(path)} is a symlink`, path);
    }
    // Info files are read whole (validated, rewritten): refused by the size git lists, unread.
    if (kind !== 'directory' && kind !== 'symlink' && infoFormat(path) !== null && size > MAX_INFO_BYTES) {
      throw new SourceRefused(
        'info_file_too_large',
        `info file ${quote(path)} is ${size} bytes, over the ${MAX_INFO_BYTES} byte limit`,
        path,
      );
    }
    if (kind === 'symlink' && (size === 0 || size > MAX_SYMLINK_TARGET_BYTES)) {
      throw new SourceRefused('symlink_target_invalid', `symlink ${quote(path)} has a target of ${size} bytes`, path);
    }
    this.entries.push({ path, kind, oid: record.oid, size: kind === 'directory' ? 0 : size });
  }

  /**
   * Sorted bytewise; every path unique and under a listed directory, and unique still once
   * case-folded and Unicode-normalised: `B/a` and `b/A`, or an NFC name and its NFD twin,
   * unpack as one file on macOS and Windows, and a symlink check made on one spelling could
   * be escaped through the other.
   */
  finish(): TreeEntry[] {
    const keyed = this.entries.map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }));
    keyed.sort((a, b) => Buffer.compare(a.key, b.key));
    const sorted = keyed.map((k) => k.entry);
    const directories = new Set(sorted.filter((e) => e.kind === 'directory').map((e) => e.path));
    sorted.forEach((entry, i) => {
      const parent = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/')) : null;
      if (sorted[i - 1]?.path === entry.path || (parent !== null && !directories.has(parent))) {
        throw new SourceRefused(
          'path_conflict',
          `path ${quote(entry.path)} is listed twice or under a non-directory`,
          entry.path,
        );
      }
    });
    const folded = new Map<string, string>();
    for (const { path } of sorted) {
      const key = foldPath(path);
      const twin = folded.get(key);
      if (twin !== undefined) {
        throw new SourceRefused(
          'path_case_collision',
          `paths ${quote(twin)} and ${quote(path)} are the same file on case-insensitive or normalising file systems`,
          path,
        );
      }
      folded.set(key, path);
    }
    return sorted;
  }
}

/** A path as macOS and Windows compare names: Unicode-normalised and case-folded. */
function foldPath(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}
