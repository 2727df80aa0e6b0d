/**
 * A permanent refusal of a source: retrying cannot help, so callers should fail the
 * release (BullMQ's UnrecoverableError) and show `message` to the maintainer.
 */
export class SourceRefused extends Error {
  readonly rule: string;
  readonly path?: string;

  constructor(rule: string, detail: string, path?: string) {
    super(`refused: ${detail} (rule ${rule})`);
    this.name = 'SourceRefused';
    this.rule = rule;
    if (path !== undefined) this.path = path;
  }
}

/** Quotes a path for messages; JSON escapes keep control characters visible. */
export function quote(path: string): string {
  return `\`${JSON.stringify(path).slice(1, -1)}\``;
}
