import { SourceRefused, quote } from './errors.ts';
import type { TreeEntry } from './types.ts';

/** Linux's own limit on symlinks followed while resolving one path. */
export const MAX_SYMLINK_HOPS = 40;
export const MAX_SYMLINK_TARGET_BYTES = 4096;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A link target as text, or a refusal when it could not be a sane in-tree path. */
export function decodeLinkTarget(path: string, bytes: Buffer): string {
  const refuse = (why: string): never => {
    throw new SourceRefused('symlink_target_invalid', `symlink ${quote(path)} ${why}`, path);
  };
  if (bytes.length === 0) refuse('has an empty target');
  if (bytes.length > MAX_SYMLINK_TARGET_BYTES) refuse(`has a target over ${MAX_SYMLINK_TARGET_BYTES} bytes`);
  if (bytes.includes(0)) refuse('has a NUL byte in its target');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return refuse('has a target that is not valid UTF-8');
  }
}

/**
 * Resolves every symlink the way an extracting OS would, component by component, following
 * links inside the tree, and refuses any that leaves the tree or does not terminate.
 * Missing components are treated lexically, which can only be stricter than the OS.
 */
export function checkSymlinks(entries: readonly TreeEntry[]): void {
  const links = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind === 'symlink') links.set(entry.path, entry.linkTarget ?? '');
  }
  for (const [path, target] of links) resolve(path, target, links);
}

function resolve(linkPath: string, target: string, links: ReadonlyMap<string, string>): void {
  const escape = (): never => {
    throw new SourceRefused('symlink_escape', `symlink ${quote(linkPath)} -> ${quote(target)} points outside the tree`, linkPath);
  };
  if (target.startsWith('/')) escape();
  const folder = linkPath.split('/').slice(0, -1);
  let pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '' || component === '.') continue;
    if (component === '..') {
      if (folder.length === 0) escape();
      folder.pop();
      continue;
    }
    folder.push(component);
    const next = links.get(folder.join('/'));
    if (next === undefined) continue;
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new SourceRefused('symlink_loop', `symlink ${quote(linkPath)} -> ${quote(target)} loops or needs more than ${MAX_SYMLINK_HOPS} hops`, linkPath);
    }
    if (next.startsWith('/')) escape();
    // The link is replaced by its target, read relative to the link's own folder.
    folder.pop();
    pending = [...next.split('/'), ...pending];
  }
}
