import { createRepo, gitIn, type TestRepo } from './git.ts';

/**
 * Git plumbing for the trees porcelain refuses to make (`..`, `.git`, non-UTF-8 names,
 * gitlinks without a .gitmodules, duplicate names): what a malicious remote could serve.
 */

export { gitIn };

type Repo = Pick<TestRepo, 'dir'>;

/** Stores `content` as a blob; returns its id. */
export function writeBlob(repo: Repo, content: Buffer | string): string {
  return gitIn(repo.dir, ['hash-object', '-w', '--stdin'], { input: content });
}

export interface RawEntry {
  name: string | Buffer;
  /** As in tree objects: `100644`, `100755`, `120000`, `40000`, `160000`. */
  mode: string;
  oid: string;
}

/** Writes a tree object byte by byte, bypassing mktree's and fsck's checks; returns its id. */
export function writeRawTree(repo: Repo, entries: RawEntry[]): string {
  const body = Buffer.concat(
    entries.map((e) =>
      Buffer.concat([Buffer.from(`${e.mode} `), Buffer.from(e.name), Buffer.from([0]), Buffer.from(e.oid, 'hex')]),
    ),
  );
  return gitIn(repo.dir, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { input: body });
}

/** A raw tree of `entries`: each a blob of `content` (mode `100644` unless given) or an existing `oid`. */
export function rawTreeWith(
  repo: Repo,
  entries: Array<{ name: string | Buffer; mode?: string; content?: string | Buffer; oid?: string }>,
): string {
  return writeRawTree(
    repo,
    entries.map((e) => ({ name: e.name, mode: e.mode ?? '100644', oid: e.oid ?? writeBlob(repo, e.content ?? '') })),
  );
}

/**
 * A repository whose `main` head and tag `tagName` are a commit of the raw tree `build`
 * returns (build it with writeBlob, writeRawTree, rawTreeWith).
 */
export async function makeRawRepo(build: (repo: TestRepo) => string, tagName = '8.x-1.0'): Promise<TestRepo> {
  const repo = await createRepo();
  const commit = repo.git('commit-tree', '-m', 'hostile', build(repo));
  repo.git('update-ref', 'refs/heads/main', commit);
  repo.tag(tagName, { ref: commit });
  return repo;
}
