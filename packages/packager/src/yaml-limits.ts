import { quote, SourceRefused } from './errors.ts';

/**
 * Limits checked before an info.yml reaches the YAML parser, which recurses per level of
 * nesting: 200,000 nested `[` (well within the 1 MB an info file may have) keep it busy
 * for seconds and blow its stack. Drupal info files nest two or three levels.
 */
export const MAX_YAML_DEPTH = 32;
/** Aliases expanded when the document is read (a "billion laughs" file multiplies them). */
export const MAX_YAML_ALIASES = 100;

/** Refuses YAML nested deeper than MAX_YAML_DEPTH, in flow (`[`, `{`) or block (indentation) style. */
export function checkYamlDepth(content: string, path: string): void {
  const refuse = (): never => {
    throw new SourceRefused(
      'info_file_too_deep',
      `info file ${quote(path)} nests deeper than ${MAX_YAML_DEPTH} levels`,
      path,
    );
  };
  const indents: number[] = [];
  for (const line of content.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const text = line.slice(indent);
    if (text === '' || text.startsWith('#')) continue;
    while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
    indents.push(indent);
    // `- - - a` nests as much as indentation does.
    const dashes = /^(- +)*/.exec(text)![0].split('-').length - 1;
    if (indents.length + dashes > MAX_YAML_DEPTH) refuse();
  }
  let flow = 0;
  let quoteChar: string | null = null;
  for (let i = 0; i < content.length; i++) {
    const char = content[i]!;
    if (quoteChar !== null) {
      if (char === quoteChar) quoteChar = null;
      else if (char === '\n') quoteChar = null;
      continue;
    }
    if (char === '"' || char === "'") quoteChar = char;
    else if (char === '[' || char === '{') {
      if (++flow > MAX_YAML_DEPTH) refuse();
    } else if (char === ']' || char === '}') flow = Math.max(0, flow - 1);
    else if (char === '#') {
      const end = content.indexOf('\n', i);
      i = end === -1 ? content.length : end;
    }
  }
}
