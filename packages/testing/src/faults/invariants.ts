import { createHash } from 'node:crypto';
import { ARCHIVES_PREFIX } from '@packhouse/storage';
import { sweepOrphans, type Registry } from '@packhouse/registry';

const FINAL = new Set(['published', 'failed']);

export interface Settled {
  published: number;
  failed: number;
  /** Objects the sweeper deleted: what crashed attempts had left. */
  swept: number;
}

/** True once every release has reached a final state (published or failed). */
export async function allFinished(registry: Registry): Promise<boolean> {
  const rows = await registry.db.selectFrom('releases').select('status').execute();
  return rows.length > 0 && rows.every((row) => FINAL.has(row.status));
}

/**
 * What every fault case must leave behind, checked against Postgres and the bytes in S3:
 * each release in exactly one final state; a published release with exactly one tar.gz
 * and one zip whose stored bytes match every published hash and size, and exactly one
 * publish event; a failed release with no files and no event (nothing half-published);
 * and, once the sweeper has run, no object under archives/ that no release file names.
 * Throws an Error naming the first broken rule.
 */
export async function assertSettled(registry: Registry): Promise<Settled> {
  const { db, storage } = registry;
  const releases = await db
    .selectFrom('releases')
    .innerJoin('projects', 'projects.id', 'releases.projectId')
    .select(['releases.id', 'releases.version', 'releases.status', 'projects.name'])
    .execute();
  const files = await db.selectFrom('releaseFiles').selectAll().execute();
  // The change feed (registry/changes.ts): exactly one publication per published release.
  const events = await db
    .selectFrom('changes')
    .select(['type', 'project', 'version'])
    .where('type', '=', 'release.published')
    .execute();
  let published = 0;
  for (const release of releases) {
    const what = `${release.name} ${release.version}`;
    if (!FINAL.has(release.status)) throw new Error(`${what} is still ${release.status}`);
    const own = files.filter((file) => file.releaseId === release.id);
    const announced = events.filter(
      (event) => event.project === release.name && event.version === release.version,
    ).length;
    if (release.status === 'failed') {
      if (own.length > 0 || announced > 0)
        throw new Error(`${what} failed but has ${own.length} files and ${announced} publish events`);
      continue;
    }
    published++;
    const types = own
      .map((file) => file.archiveType)
      .sort()
      .join(',');
    if (types !== 'tar.gz,zip')
      throw new Error(`${what} is published with files [${types}], not one tar.gz and one zip`);
    if (announced !== 1) throw new Error(`${what} is published with ${announced} publish events`);
    for (const file of own) {
      const object = await storage.get(file.storageKey);
      if (!object) throw new Error(`${what}: ${file.storageKey} is published but not in S3`);
      const stored = await digest(object.body);
      const expected = {
        size: Number(file.size),
        md5: file.md5,
        sha1: file.sha1,
        sha256: file.sha256,
        sha512: file.sha512,
      };
      if (JSON.stringify(stored) !== JSON.stringify(expected))
        throw new Error(`${what}: the bytes of ${file.storageKey} do not match the published hashes`);
    }
  }
  const swept = await sweepOrphans(registry, 0);
  const named = new Set(files.map((file) => file.storageKey));
  const strays = (await storage.list(ARCHIVES_PREFIX)).filter((key) => !named.has(key));
  if (strays.length > 0) throw new Error(`objects no release names are left after sweeping: ${strays.join(', ')}`);
  return { published, failed: releases.length - published, swept };
}

async function digest(body: AsyncIterable<Buffer>) {
  const hashes = ['md5', 'sha1', 'sha256', 'sha512'].map((algorithm) => createHash(algorithm));
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    for (const hash of hashes) hash.update(chunk);
  }
  const [md5, sha1, sha256, sha512] = hashes.map((hash) => hash.digest('hex'));
  return { size, md5, sha1, sha256, sha512 };
}
