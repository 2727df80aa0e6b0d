import type { Origin } from './types.ts';

/**
 * What both syntaxes parse into before any key is interpreted: nested maps with string
 * leaves, each node remembering the line it was first written on. INI's `key[]` and YAML's
 * sequences both become `list` maps (keys `0`, `1`, …), so includes can append to them.
 */
export type Node = Leaf | Branch;

export interface Leaf {
  kind: 'leaf';
  value: string;
  origin: Origin;
}

export interface Branch {
  kind: 'branch';
  list: boolean;
  entries: Map<string, Node>;
  origin: Origin;
}

export function branch(origin: Origin, list = false): Branch {
  return { kind: 'branch', list, entries: new Map(), origin };
}

/**
 * Lays `over` on top of `under` (drush make: the including file wins over its includes).
 * Lists are concatenated, maps merged key by key, a leaf replaces whatever was there.
 */
export function overlay(under: Node, over: Node): Node {
  if (under.kind !== 'branch' || over.kind !== 'branch') return over;
  const merged = branch(under.origin, under.list && over.list);
  for (const [key, node] of under.entries) merged.entries.set(key, node);
  if (merged.list) {
    for (const node of over.entries.values()) merged.entries.set(String(merged.entries.size), node);
    return merged;
  }
  for (const [key, node] of over.entries) {
    const existing = merged.entries.get(key);
    merged.entries.set(key, existing ? overlay(existing, node) : node);
  }
  return merged;
}
