import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { branch, type Branch, type Node } from './tree.ts';
import type { Origin, Problem } from './types.ts';

/**
 * drush make's YAML syntax. Read with the failsafe schema, so every scalar stays the text
 * that was written (`3.10` is not the number 3.1), and with positions, so every entry keeps
 * its line.
 */
/** `tree` is null when the text is not YAML at all: nothing of it can be trusted. */
export function parseYaml(text: string, file: string): { tree: Branch | null; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined): Origin => ({
    file,
    line: offset === undefined ? 1 : lineCounter.linePos(offset).line,
  });
  const problems: Problem[] = doc.errors.map((error) => ({
    origin: at(error.pos[0]),
    message: `This is not valid YAML: ${firstLine(error.message)}`,
  }));
  if (problems.length > 0) return { tree: null, problems };
  if (doc.contents === null) return { tree: branch({ file, line: 1 }), problems };
  const tree = convert(doc.contents as YamlNode, at, problems);
  if (tree?.kind !== 'branch' || tree.list) {
    problems.push({
      origin: at(doc.contents.range?.[0]),
      message: 'A YAML make file must be a mapping of keys to values.',
    });
    return { tree: null, problems };
  }
  return { tree, problems };
}

function convert(node: YamlNode, at: (offset: number | undefined) => Origin, problems: Problem[]): Node | null {
  const origin = at(node.range?.[0]);
  if (isScalar(node)) return { kind: 'leaf', value: node.value === null ? '' : String(node.value), origin };
  if (isSeq(node)) {
    const list = branch(origin, true);
    for (const item of node.items) {
      const child = convert(item as YamlNode, at, problems);
      if (child) list.entries.set(String(list.entries.size), child);
    }
    return list;
  }
  if (isMap(node)) {
    const map = branch(origin);
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode;
      const keyOrigin = at(keyNode?.range?.[0]);
      if (!isScalar(keyNode)) {
        problems.push({ origin: keyOrigin, message: 'Keys must be plain names, not lists or mappings.' });
        continue;
      }
      const child =
        pair.value === null
          ? { kind: 'leaf' as const, value: '', origin: keyOrigin }
          : convert(pair.value as YamlNode, at, problems);
      // The entry starts where its key is written.
      if (child) map.entries.set(String(keyNode.value), { ...child, origin: keyOrigin });
    }
    return map;
  }
  problems.push({ origin, message: 'Aliases and tags are not supported in make files.' });
  return null;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
