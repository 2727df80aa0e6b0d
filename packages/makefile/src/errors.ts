import type { Problem } from './types.ts';

/**
 * Everything wrong with a make file at once, each problem with its file and line, the way
 * a maintainer fixes them: in one pass, not one build per mistake.
 */
export class MakeFileInvalid extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = sortProblems(problems);
    const lines = sorted.map((p) => `  ${p.origin.file}:${p.origin.line}: ${p.message}`);
    const count = sorted.length === 1 ? 'a rule' : `${sorted.length} rules`;
    super(`The make file breaks ${count}:\n${lines.join('\n')}`);
    this.name = 'MakeFileInvalid';
    this.problems = sorted;
  }
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) =>
    a.origin.file < b.origin.file ? -1 : a.origin.file > b.origin.file ? 1 : a.origin.line - b.origin.line,
  );
}
