import { branch, type Branch, type Node } from './tree.ts';
import type { Problem } from './types.ts';

/**
 * Drupal's info-file syntax as drush make reads it (`drupal_parse_info_format`): `;`
 * comments, `key[a][b] = value`, values bare or in single or double quotes, `[]` appending
 * to a list. Unlike Drupal, a line that is none of these is a problem, not silently skipped.
 */
const LINE = /^\s*((?:[^=;[\]]|\[[^[\]]*\])+?)\s*=\s*(?:"((?:[^"]|(?<=\\)")*)"|'((?:[^']|(?<=\\)')*)'|([^\r\n]*?))\s*$/;

export function parseIni(text: string, file: string): { tree: Branch | null; problems: Problem[] } {
  const tree = branch({ file, line: 1 });
  const problems: Problem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const origin = { file, line: index + 1 };
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    const match = LINE.exec(raw);
    if (!match) {
      problems.push({ origin, message: `This line is not a "key = value" line: ${JSON.stringify(trimmed)}.` });
      return;
    }
    const path = keyPath(match[1]!);
    if (!path) {
      problems.push({
        origin,
        message: `The key ${JSON.stringify(match[1])} is not a name followed by [bracketed] parts.`,
      });
      return;
    }
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    const problem = assign(tree, path, value, origin);
    if (problem) problems.push({ origin, message: problem });
  });
  return { tree, problems };
}

/** `projects[views][patch][]` → `['projects', 'views', 'patch', '']`; '' appends. */
function keyPath(key: string): string[] | null {
  const head = /^[^[]+/.exec(key);
  if (!head) return null;
  const path = [head[0].trim()];
  const rest = key.slice(head[0].length);
  const parts = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = parts.exec(rest); m; m = parts.exec(rest)) {
    if (m.index !== consumed) return null;
    path.push(m[1]!.trim());
    consumed = m.index + m[0].length;
  }
  return consumed === rest.length ? path : null;
}

function assign(tree: Branch, path: string[], value: string, origin: Node['origin']): string | null {
  let node: Branch = tree;
  for (let i = 0; i < path.length; i += 1) {
    const append = path[i] === '';
    const key = append ? String(node.entries.size) : path[i]!;
    if (append) node.list = node.entries.size === 0 || node.list;
    const last = i === path.length - 1;
    const existing = node.entries.get(key);
    if (last) {
      if (existing?.kind === 'branch')
        return `${written(path, i)} already has attributes; it cannot also be given a value.`;
      // A later line wins, as in PHP; the entry keeps the line it was first written on.
      node.entries.set(key, { kind: 'leaf', value, origin: existing?.origin ?? origin });
      return null;
    }
    if (existing?.kind === 'leaf')
      return `${written(path, i)} already has a value; it cannot also be given attributes.`;
    const next = existing ?? branch(origin, path[i + 1] === '');
    node.entries.set(key, next);
    node = next;
  }
  return null;
}

function written(path: string[], upTo: number): string {
  const [head, ...rest] = path.slice(0, upTo + 1);
  return `'${head}${rest.map((p) => `[${p}]`).join('')}'`;
}
