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

/** Symlinks a tree may hold: Drupal projects have a handful at most. */
export const MAX_SYMLINKS = 1000;
/** Path components walked resolving one link, every hop included. */
export const MAX_SYMLINK_STEPS = 1024;
/** Linux's PATH_MAX: no extracting OS resolves a longer path. */
const MAX_RESOLVED_BYTES = 4096;

/**
 * Resolves every symlink the way an extracting OS would, component by component, following
 * links inside the tree, and refuses any that leaves the tree or does not terminate.
 * Missing components are treated lexically, which can only be stricter than the OS.
 *
 * Bounded: at most MAX_SYMLINKS links, each resolved in at most MAX_SYMLINK_STEPS
 * components to a path of at most 4096 bytes, so a tree of long chained targets costs
 * milliseconds rather than blocking the worker for minutes (the work grew with the square
 * of the target length, times the number of links).
 */
export function checkSymlinks(entries: readonly TreeEntry[]): void {
  const links = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind === 'symlink') links.set(entry.path, entry.linkTarget ?? '');
  }
  if (links.size > MAX_SYMLINKS) {
    throw new SourceRefused('symlink_too_many', `tree has ${links.size} symlinks, over the limit of ${MAX_SYMLINKS}`);
  }
  for (const [path, target] of links) resolve(path, target, links);
}

function resolve(linkPath: string, target: string, links: ReadonlyMap<string, string>): void {
  const escape = (): never => {
    throw new SourceRefused(
      'symlink_escape',
      `symlink ${quote(linkPath)} -> ${quote(target)} points outside the tree`,
      linkPath,
    );
  };
  const tooComplex = (why: string): never => {
    throw new SourceRefused('symlink_too_complex', `symlink ${quote(linkPath)} -> ${quote(target)} ${why}`, linkPath);
  };
  if (target.startsWith('/')) escape();
  const folder = linkPath.split('/').slice(0, -1);
  let folderBytes = folder.reduce((sum, component) => sum + component.length + 1, 0);
  // Components still to walk, as a stack of (parts, next index): a hop pushes, never copies.
  const pending: { parts: string[]; at: number }[] = [{ parts: target.split('/'), at: 0 }];
  let hops = 0;
  let steps = 0;
  while (pending.length > 0) {
    const top = pending[pending.length - 1]!;
    if (top.at >= top.parts.length) {
      pending.pop();
      continue;
    }
    const component = top.parts[top.at++]!;
    if (++steps > MAX_SYMLINK_STEPS) tooComplex(`needs more than ${MAX_SYMLINK_STEPS} steps to resolve`);
    if (component === '' || component === '.') continue;
    if (component === '..') {
      if (folder.length === 0) escape();
      folderBytes -= folder.pop()!.length + 1;
      continue;
    }
    folder.push(component);
    folderBytes += component.length + 1;
    if (folderBytes > MAX_RESOLVED_BYTES) tooComplex(`resolves to a path over ${MAX_RESOLVED_BYTES} bytes`);
    const next = links.get(folder.join('/'));
    if (next === undefined) continue;
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new SourceRefused(
        'symlink_loop',
        `symlink ${quote(linkPath)} -> ${quote(target)} loops or needs more than ${MAX_SYMLINK_HOPS} hops`,
        linkPath,
      );
    }
    if (next.startsWith('/')) escape();
    // The link is replaced by its target, read relative to the link's own folder.
    folderBytes -= folder.pop()!.length + 1;
    pending.push({ parts: next.split('/'), at: 0 });
  }
}
