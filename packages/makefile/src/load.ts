import { posix } from 'node:path';
import { parseIni } from './ini.ts';
import { interpret } from './interpret.ts';
import { branch, overlay, type Branch, type Node } from './tree.ts';
import type { MakeFile, Origin, Problem } from './types.ts';
import { parseYaml } from './yaml.ts';

/** drupal.org's limit: an include may include, and that one may include once more. */
export const MAX_INCLUDE_DEPTH = 3;

/** Reads a file of the profile's tree by its tree-relative path; null when there is none. */
export type ReadTreeFile = (path: string) => Promise<string | null>;

export interface ParsedMakeFile {
  makeFile: MakeFile;
  problems: Problem[];
}

/**
 * Reads the make file at `entry` (YAML when it ends in `.yml`, drush's INI otherwise) with
 * its `includes[]`: relative paths inside the same tree, resolved from the including file's
 * folder, at most three levels deep, never a cycle. Included files are laid under the
 * including one (its own lines win), as drush make merges them. Returns every problem found
 * instead of stopping at the first.
 */
export async function parseMakeFile(entry: string, read: ReadTreeFile): Promise<ParsedMakeFile> {
  const problems: Problem[] = [];
  const files: string[] = [];
  const tree = await load(entry, read, [], { file: entry, line: 1 }, problems, files);
  const { makeFile, problems: found } = interpret(tree ?? branch({ file: entry, line: 1 }), files);
  // A file that could not be read or parsed at all would only add noise ("api is required").
  return { makeFile, problems: tree ? [...problems, ...found] : problems };
}

/** Parses text already in hand (no includes followed: each is reported as not found). */
export function parseMakeText(text: string, file: string): ParsedMakeFile {
  const { tree, problems } = syntaxOf(file)(text, file);
  if (tree === null) return { makeFile: interpret(branch({ file, line: 1 }), [file]).makeFile, problems };
  const { makeFile, problems: found } = interpret(tree, [file]);
  return { makeFile, problems: [...problems, ...found] };
}

async function load(
  path: string,
  read: ReadTreeFile,
  stack: string[],
  from: Origin,
  problems: Problem[],
  files: string[],
): Promise<Branch | null> {
  const text = await read(path);
  if (text === null) {
    problems.push({
      origin: from,
      message:
        stack.length === 0
          ? `The make file '${path}' does not exist.`
          : `The included make file '${path}' does not exist in the tree.`,
    });
    return null;
  }
  files.push(path);
  const { tree, problems: syntax } = syntaxOf(path)(text, path);
  problems.push(...syntax);
  if (tree === null) return null;
  const includes = tree.entries.get('includes');
  tree.entries.delete('includes');
  let base: Node = branch({ file: path, line: 1 });
  for (const include of includeLeaves(includes, problems)) {
    const target = resolveInclude(path, include.value);
    if (target === null) {
      problems.push({
        origin: include.origin,
        message: `The include '${include.value}' must be a relative path to a make file inside the same tree.`,
      });
      continue;
    }
    const chain = [...stack, path];
    if (chain.includes(target)) {
      problems.push({
        origin: include.origin,
        message: `The include '${include.value}' makes a cycle: ${[...chain, target].join(' → ')}.`,
      });
      continue;
    }
    if (chain.length > MAX_INCLUDE_DEPTH) {
      problems.push({
        origin: include.origin,
        message: `The include '${include.value}' nests deeper than ${MAX_INCLUDE_DEPTH} levels of includes.`,
      });
      continue;
    }
    const included = await load(target, read, chain, include.origin, problems, files);
    if (included) base = overlay(base, included);
  }
  return overlay(base, tree) as Branch;
}

function includeLeaves(node: Node | undefined, problems: Problem[]) {
  if (node === undefined) return [];
  if (node.kind === 'leaf') return [node];
  return [...node.entries.values()].flatMap((child) => {
    if (child.kind === 'leaf') return [child];
    problems.push({ origin: child.origin, message: 'Each include must be a path to a make file.' });
    return [];
  });
}

/** The tree path an include names, or null when it is absolute, a URL or leaves the tree. */
export function resolveInclude(from: string, include: string): string | null {
  if (include === '' || include.startsWith('/') || include.includes('\\') || /^[a-z][a-z0-9+.-]*:/i.test(include))
    return null;
  const target = posix.normalize(posix.join(posix.dirname(from), include));
  if (target === '..' || target.startsWith('../') || target.startsWith('/')) return null;
  return target;
}

function syntaxOf(path: string) {
  return path.endsWith('.yml') || path.endsWith('.yaml') ? parseYaml : parseIni;
}
