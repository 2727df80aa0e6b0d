import { SourceRefused, quote } from './errors.ts';
import { git } from './git.ts';
import { decodeInfoText } from './info.ts';
import type { Checkout } from './types.ts';

/**
 * A text file of a checked-out tree (a make file), or null when the tree has no regular
 * file at that path. Over `maxBytes`, or not UTF-8 text, it is refused.
 */
export async function readTreeFile(checkout: Checkout, path: string, maxBytes = 1024 * 1024): Promise<string | null> {
  const entry = checkout.entries.find((e) => e.path === path && (e.kind === 'file' || e.kind === 'executable'));
  if (!entry) return null;
  if (entry.size > maxBytes)
    throw new SourceRefused('file_too_large', `${quote(path)} is over ${maxBytes} bytes`, path);
  const bytes = await git({ options: checkout.git, gitDir: checkout.repoDir }, ['cat-file', 'blob', entry.oid], {
    maxBytes: entry.size,
  });
  const text = decodeInfoText(bytes);
  if (text === null) throw new SourceRefused('file_not_text', `${quote(path)} is not UTF-8 text`, path);
  return text;
}
