import { createHash } from 'node:crypto';
import { changes, signingKeys, snapshot, type Epoch, type PageRange, type Position } from '@packhouse/db';
import {
  canonicalJson,
  headStatement,
  releaseStatement,
  sha256OfCanonical,
  snapshotStatement,
  type PublicKeyInfo,
  type Signature,
  type SignedPageHead,
} from '@packhouse/signing';
import { comparePositions, decodeCursor, encodeCursor } from './change-cursor.ts';
import { eventText, urlSubstitute } from './change-event.ts';
import type { Registry } from './context.ts';
import { DomainError } from './errors.ts';
import { downloadUrl } from './views.ts';

/**
 * How long a signed page head or snapshot may be trusted: a mirror refuses it after that (frozen or replayed
 * metadata).
 */
export const SIGNED_METADATA_TTL_MS = 60 * 60 * 1000;

export interface ChangesPage {
  /** The whole page as the JSON body to send (UTF-8): its events exactly as their digest was taken. */
  body: Buffer;
  /** How many events the page holds. */
  count: number;
  next: string;
  hasMore: boolean;
  /** Signed over headStatement: this page's range, its events' digest, and `expires`. */
  head: SignedPageHead;
}

const START: Position = { txid: '0', id: '0' };

const gone = (why: string) =>
  new DomainError(
    'cursor_gone',
    410,
    `${why}; resynchronize from GET /api/v1/snapshot, which gives every project at one point and the cursor ` +
      `to continue from.`,
  );

/**
 * One page of changes after `since`: only changes of transactions that finished before this
 * read (below the horizon), so nothing can commit behind the `next` it returns. `next` is the
 * last event's position on a full page, otherwise the horizon itself: it moves past every
 * finished transaction even when the page is empty.
 */
export async function readChanges(
  registry: Registry,
  { since, limit }: { since?: string; limit: number },
): Promise<ChangesPage> {
  const cursor = since === undefined ? undefined : decodeCursor(since);
  const after = cursor?.position ?? START;
  const substitute = urlSubstitute(registry.config.publicUrl);
  const read = () => changes.readPage(registry.db, { after, limit }, substitute);
  const check = (epoch: Epoch) => {
    if (cursor && cursor.epoch !== epoch.token)
      throw gone('This cursor belongs to another history of the change feed (the database was restored)');
    // Every change at or before the low-water mark was pruned (or is from before a restore that began this
    // epoch); a cursor before it, or none, would miss them.
    if (comparePositions(after, epoch.pruned) < 0)
      throw gone(
        cursor
          ? 'Changes after this cursor are older than the retained history'
          : 'The retained history does not reach back to the beginning',
      );
  };
  let { epoch, horizon, page } = await read();
  check(epoch);
  if (page.missing > 0) {
    await storeMissingEvents(registry, { epoch: epoch.id, after, horizon, limit });
    ({ epoch, horizon, page } = await read());
    check(epoch);
    // string_agg skips a null: never serve a page with an event left out.
    if (page.missing > 0) throw new Error(`${page.missing} changes of the page still have no event text`);
  }
  let end: Position = page.hasMore && page.last ? page.last : { txid: horizon, id: '0' };
  if (comparePositions(end, after) < 0) end = after;
  const next = encodeCursor({ epoch: epoch.token, position: end });
  // The stored texts are canonical JSON: joined, they are both what the digest covers and what is sent,
  // each chunk encoded to UTF-8 once.
  const events = eventsArray(page.chunks);
  const digest = createHash('sha256');
  for (const part of events) digest.update(part);
  const head = {
    epoch: epoch.token,
    since: since ?? null,
    next,
    hasMore: page.hasMore,
    eventsSha256: digest.digest('hex'),
    expires: expiresAt(),
  };
  const signed = { ...head, signature: registry.signing.signer.sign(headStatement(head)) };
  return {
    count: page.count,
    next,
    hasMore: page.hasMore,
    head: signed,
    body: Buffer.concat([
      Buffer.from('{"events":'),
      ...events,
      Buffer.from(`,"next":${JSON.stringify(next)},"hasMore":${page.hasMore},"head":${canonicalJson(signed)}}`),
    ]),
  };
}

const COMMA = Buffer.from(',');

/** The JSON array of a page's events, as the parts `[`, chunk, `,`, chunk, …, `]`. */
function eventsArray(chunks: string[]): Buffer[] {
  const parts = [Buffer.from('[')];
  chunks.forEach((chunk, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(Buffer.from(chunk));
  });
  parts.push(Buffer.from(']'));
  return parts;
}

/**
 * Writes the event text of changes stored without one: the history backfilled by the change
 * feed's migration (signed now, with the process's key) and rows written during a deploy by
 * code from before the text was stored. Once per change, the first time a page reaches it.
 */
async function storeMissingEvents(registry: Registry, range: PageRange): Promise<void> {
  const rows = await changes.listWithoutEvent(registry.db, range);
  if (rows.some((row) => !row.signature && row.version !== null)) await registry.signing.ready();
  const events = rows.map((row) => {
    const signature =
      row.signature ??
      (row.version === null
        ? null
        : registry.signing.signer.sign(
            releaseStatement({
              project: row.project,
              version: row.version,
              revision: row.revision,
              files: row.files,
              publishedAt: row.publishedAt,
            }),
          ));
    const { txid, id, ...fields } = row;
    return { position: { txid, id }, event: eventText({ ...fields, signature }), signature };
  });
  await changes.storeEvents(registry.db, range.epoch, events);
}

export interface SnapshotRelease {
  version: string;
  revision: number;
  status: string;
  insecure: boolean;
  releaseTypes: string[];
  publishedAt: string | null;
  files: { name: string; url: string; size: number; sha256: string }[];
  signature: Signature;
}

export interface SnapshotProject {
  name: string;
  title: string;
  type: string;
  status: string;
  revision: number;
  releases: SnapshotRelease[];
}

export interface Snapshot {
  epoch: string;
  /** Continue the change feed from here: changes that committed after this snapshot come after it. */
  cursor: string;
  at: string;
  expires: string;
  projectsSha256: string;
  projects: SnapshotProject[];
  signature: Signature;
}

/**
 * Every project and its published releases at one consistent point (a repeatable-read
 * snapshot), with the horizon of that very snapshot as the cursor: every transaction below it
 * is in the snapshot, and any at or above it is replayed by the feed (applying twice is harmless).
 */
export async function readSnapshot(registry: Registry): Promise<Snapshot> {
  await registry.signing.ready();
  const { signer } = registry.signing;
  const { epoch, horizon, rows } = await snapshot(registry.db, async (tx) => {
    const { epoch, horizon } = await changes.currentHorizon(tx);
    return { epoch, horizon, rows: await changes.readSnapshot(tx) };
  });
  const projects = rows.map((project) => ({
    name: project.name,
    title: project.title,
    type: project.type,
    status: project.status,
    revision: project.revision,
    releases: project.releases.map((release) => ({
      version: release.version,
      revision: release.revision,
      status: release.feedStatus,
      insecure: release.insecure,
      releaseTypes: release.releaseTypes,
      publishedAt: release.publishedAt,
      files: release.files.map((file) => ({
        ...file,
        size: Number(file.size),
        url: downloadUrl(registry.config.publicUrl, file.name),
      })),
      signature:
        release.signature ??
        signer.sign(
          releaseStatement({
            project: project.name,
            version: release.version,
            revision: release.revision,
            files: release.files,
            publishedAt: release.publishedAt,
          }),
        ),
    })),
  }));
  const document = {
    epoch: epoch.token,
    cursor: encodeCursor({ epoch: epoch.token, position: { txid: horizon, id: '0' } }),
    at: new Date().toISOString(),
    expires: expiresAt(),
    projectsSha256: sha256OfCanonical(projects),
  };
  return { ...document, projects, signature: signer.sign(snapshotStatement(document)) };
}

/** Every key that ever signed, newest first; a rotated key keeps its `validUntil`. */
export async function listKeys(registry: Registry): Promise<PublicKeyInfo[]> {
  await registry.signing.ready();
  const rows = await signingKeys.listSigningKeys(registry.db);
  return rows.map((row) => ({
    keyid: row.keyid,
    algorithm: row.algorithm,
    publicKey: row.publicKey,
    validFrom: row.validFrom.toISOString(),
    validUntil: row.validUntil?.toISOString() ?? null,
  }));
}

function expiresAt(): string {
  return new Date(Date.now() + SIGNED_METADATA_TTL_MS).toISOString();
}
