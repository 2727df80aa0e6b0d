import { MAX_TAG_OBJECT_BYTES, parseTagObject, type TagAnnotation } from './annotation.ts';
import { BlobReader, readWhole } from './blobs.ts';
import { SourceRefused, quote } from './errors.ts';
import type { GitContext } from './git.ts';
import type { GitRef } from './source.ts';

export interface RefObjects {
  commit: string;
  /** Unix seconds of the commit's `committer` line (what `git show -s --format=%ct` prints). */
  commitTime: number;
  /** A tag's annotation; null for a lightweight tag or a branch. */
  annotation: TagAnnotation | null;
}

/** A commit's headers end well before this; what follows is its message, which is skipped. */
const MAX_COMMIT_HEADERS = 1024 * 1024;

/**
 * What packaging needs from a fetched ref, through one `git cat-file --batch` process: the
 * commit the ref peels to (its id, type and committer time) and, for a tag, the tag's own
 * object (its annotation). These were five git processes (rev-parse, cat-file -t,
 * for-each-ref, cat-file tag, show), each a fork of the worker then: about a third of a
 * small module's time from tag push to published. The commit comes first, so a tag object too
 * large to read (see annotation.ts) is not read at all.
 */
export async function readRefObjects(ctx: GitContext, ref: GitRef): Promise<RefObjects> {
  const reader = BlobReader.open(
    ctx,
    ref.kind === 'tag' ? [`${ref.fullName}^{}`, ref.fullName] : [`${ref.fullName}^{}`],
  );
  try {
    const peeled = await reader.header();
    if (!peeled) {
      throw new SourceRefused(`${ref.kind}_not_found`, `${ref.kind} ${quote(ref.name)} does not resolve to an object`);
    }
    if (peeled.type !== 'commit') {
      throw new SourceRefused(
        `${ref.kind}_not_a_commit`,
        `${ref.kind} ${quote(ref.name)} points at a ${peeled.type}, not a commit`,
      );
    }
    const commitTime = await readCommitTime(reader, peeled.size, peeled.oid);
    if (ref.kind !== 'tag') return { commit: peeled.oid, commitTime, annotation: null };

    const tag = await reader.header();
    // A lightweight tag names the commit itself; an annotated one, a tag object.
    if (tag?.type !== 'tag') return { commit: peeled.oid, commitTime, annotation: null };
    if (tag.size > MAX_TAG_OBJECT_BYTES)
      return { commit: peeled.oid, commitTime, annotation: { message: null, taggedAt: null } };
    const raw = await readWhole(reader.content(tag.size, `tag ${tag.oid}`), tag.size);
    return { commit: peeled.oid, commitTime, annotation: parseTagObject(raw) };
  } finally {
    reader.close();
  }
}

/** The committer time from a commit's headers; the message after them is read past, not kept. */
async function readCommitTime(reader: BlobReader, size: number, oid: string): Promise<number> {
  let headers = Buffer.alloc(0);
  let complete = false;
  for await (const chunk of reader.content(size, `commit ${oid}`)) {
    if (complete) continue;
    headers = Buffer.concat([headers, chunk]);
    const end = headers.indexOf('\n\n');
    if (end >= 0) {
      headers = headers.subarray(0, end);
      complete = true;
    } else if (headers.length > MAX_COMMIT_HEADERS) {
      throw new Error(`commit ${oid} has over ${MAX_COMMIT_HEADERS} bytes of headers`);
    }
  }
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(headers.toString('utf8'));
  const time = Number(committer?.[1]);
  if (!Number.isSafeInteger(time)) throw new Error(`commit ${oid} has no committer time`);
  return time;
}
