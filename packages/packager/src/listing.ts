import { GitFailed, collectStderr, spawnGit, type GitContext } from './git.ts';
import { parseRecord, TreeValidator } from './tree.ts';
import type { SourceLimits, TreeEntry } from './types.ts';

const MAX_RECORD = 1024 * 1024;

/**
 * Lists the whole tree of `commit` (directories included) and validates it record by
 * record while git prints it: a tree with millions of entries is refused early, without
 * ever holding the listing in memory.
 */
export async function listTree(ctx: GitContext, commit: string, limits: SourceLimits): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-r', '-t', '-z', '--long', commit];
  const child = spawnGit(ctx, args);
  const stderr = collectStderr(child);
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, ctx.options.timeoutMs);
  child.stdin.end();

  const validator = new TreeValidator(limits);
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nul = data.indexOf(0, start); nul >= 0; nul = data.indexOf(0, start)) {
        validator.add(parseRecord(data.subarray(start, nul)));
        start = nul + 1;
      }
      rest = data.subarray(start);
      if (rest.length > MAX_RECORD) throw new Error('git ls-tree printed a record over 1 MiB');
    }
    const code = await exited;
    if (timedOut) throw new Error(`git ls-tree timed out after ${ctx.options.timeoutMs} ms`);
    if (code !== 0) throw new GitFailed(args, { code, stdout: Buffer.alloc(0), stderr: stderr() });
    if (rest.length > 0) throw new Error('git ls-tree output ended inside a record');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return validator.finish();
}
