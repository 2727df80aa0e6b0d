import { sql } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { ChangeType, SignatureJson } from '../schema.ts';

/**
 * The change feed's storage. A position is (txid, id) inside an epoch: txid is the writing
 * transaction's id, id the row's. Pages hold only rows below the reader's transaction
 * horizon (pg_snapshot_xmin): every transaction below it has finished, so a row committed
 * later always lands after any position already handed out (docs/ARCHITECTURE.md).
 */
export interface Position {
  txid: string;
  id: string;
}

export interface ChangeRow {
  txid: string;
  id: string;
  type: ChangeType;
  project: string;
  version: string | null;
  revision: number;
  files: { name: string; size: number; sha256: string }[];
  /** ISO 8601 with milliseconds, as the signed statement holds it. */
  publishedAt: string | null;
  detail: Record<string, unknown>;
  signature: SignatureJson | null;
  /** ISO 8601 with milliseconds. */
  at: string;
}

export interface Epoch {
  id: number;
  token: string;
  /** Everything at or before this position was pruned. */
  pruned: Position;
}

export interface NewChange {
  type: ChangeType;
  project: string;
  version: string | null;
  revision: number;
  files?: { name: string; size: number; sha256: string }[];
  publishedAt?: string | null;
  detail?: Record<string, unknown>;
  signature?: SignatureJson | null;
  /** The time the event states; the event text below holds the same. */
  at: Date;
  /** The event as the feed serves it (registry/change-event.ts). */
  event: string;
}

/** Appends a change in the transaction that makes it; its position is taken from that transaction. */
export async function appendChange(tx: Tx, change: NewChange): Promise<void> {
  await tx
    .insertInto('changes')
    .values({
      type: change.type,
      project: change.project,
      version: change.version,
      revision: change.revision,
      files: JSON.stringify(change.files ?? []),
      publishedAt: change.publishedAt ?? null,
      detail: JSON.stringify(change.detail ?? {}),
      signature: change.signature ? JSON.stringify(change.signature) : null,
      at: change.at,
      event: change.event,
    })
    .execute();
}

/**
 * The current epoch and the horizon: the oldest transaction of this database still running
 * in the reader's snapshot (or the snapshot's xmax when none is), so every transaction below it
 * has finished. Transaction ids are cluster-wide; pg_snapshot_xmin alone would let a long
 * transaction in another database of the cluster hold the feed back, so in-progress ids are
 * skipped when pg_stat_activity positively places them in another database (an id it cannot
 * place, say of another role's session, still holds the horizon: late, never wrong).
 * One row: id, token, pruned_txid, pruned_id, horizon (xid8).
 */
const HEAD = sql`
  WITH snap AS (SELECT pg_current_snapshot() AS s),
  elsewhere AS (
    SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
     WHERE backend_xid IS NOT NULL AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
  )
  SELECT e.id, e.token, e.pruned_txid, e.pruned_id,
         coalesce((SELECT min(x) FROM pg_snapshot_xip((SELECT s FROM snap)) AS x
                    WHERE (x::text::numeric % 4294967296)::bigint NOT IN (SELECT xid FROM elsewhere)),
                  pg_snapshot_xmax((SELECT s FROM snap))) AS horizon
    FROM change_feed_epochs e ORDER BY e.id DESC LIMIT 1`;

interface HeadRow {
  id: number;
  token: string;
  prunedTxid: string;
  prunedId: string;
  horizon: string;
}

const toHead = (row: HeadRow) => ({
  epoch: { id: row.id, token: row.token, pruned: { txid: row.prunedTxid, id: String(row.prunedId) } },
  horizon: row.horizon,
});

export async function currentHorizon(db: Executor): Promise<{ epoch: Epoch; horizon: string }> {
  const { rows } = await sql<HeadRow>`
    SELECT id, token, pruned_txid::text, pruned_id, horizon::text FROM (${HEAD}) AS head`.execute(db);
  return toHead(rows[0]!);
}

/** Where a page reads: changes of `epoch` after `after` and below `horizon`, in position order. */
export interface PageRange {
  epoch: number;
  after: Position;
  horizon: string;
  limit: number;
}

export interface StoredPage {
  /**
   * The stored event texts of the page in position order (substituted), joined by commas in
   * chunks of up to CHUNK_EVENTS events: the chunks, joined by commas again, are the page.
   */
  chunks: string[];
  count: number;
  /** Whether another change follows the page below the horizon. */
  hasMore: boolean;
  /** The last event's position; null for an empty page. */
  last: Position | null;
  /** Events of the page without a stored text (rows from before it was stored). */
  missing: number;
}

/**
 * Events per chunk of a page's text. A page arrives as several strings rather than one, each
 * small enough for V8's young generation: one string of a whole page (about 800 KB) is a large
 * object in the old generation, and a reader polling pages would then set off a full
 * mark-compact every dozen requests (measured: 10-25 ms pauses, the page's p99).
 */
const CHUNK_EVENTS = 64;

/**
 * The current epoch, the horizon and one page after `after` as stored text, in one statement
 * (one round trip, one snapshot). The page reads `limit + 1` index entries of the primary key
 * from `after` on (an index range scan: the cost of a page, never of the history before it)
 * and Postgres joins their texts in chunks, replacing `substitute[0]` by `substitute[1]` in them
 * (the URL base, registry/change-event.ts): no row is parsed on the way. One row per chunk (at
 * least one, for an empty page), each repeating the head. The caller checks the cursor
 * against the epoch it returns.
 */
export async function readPage(
  db: Executor,
  { after, limit }: { after: Position; limit: number },
  substitute: [placeholder: string, value: string],
): Promise<{ epoch: Epoch; horizon: string; page: StoredPage }> {
  const { rows } = await sql<
    HeadRow & {
      events: string | null;
      count: number;
      more: number;
      txid: string | null;
      lastId: string | null;
      missing: number;
    }
  >`
    WITH head AS (${HEAD}),
    page AS (
      SELECT c.txid, c.id, c.event, row_number() OVER (ORDER BY c.txid, c.id) AS n
        FROM (SELECT txid, id, event FROM changes
               WHERE epoch = (SELECT id FROM head)
                 AND (txid, id) > (${after.txid}::xid8, ${after.id}::bigint)
                 AND txid < (SELECT horizon FROM head)
               ORDER BY txid, id
               LIMIT ${limit + 1}) AS c
    ),
    chunks AS (
      SELECT (n - 1) / ${CHUNK_EVENTS} AS chunk,
             replace(string_agg(event, ',' ORDER BY n), ${substitute[0]}, ${substitute[1]}) AS events
        FROM page
       WHERE n <= ${limit}
       GROUP BY 1
    )
    SELECT head.id, head.token, head.pruned_txid::text, head.pruned_id, head.horizon::text, agg.*, chunks.events
      FROM head
     CROSS JOIN (
        SELECT count(*) FILTER (WHERE n <= ${limit})::int AS count,
               count(*) FILTER (WHERE n > ${limit})::int AS more,
               (array_agg(txid::text ORDER BY n DESC) FILTER (WHERE n <= ${limit}))[1] AS txid,
               (array_agg(id::text ORDER BY n DESC) FILTER (WHERE n <= ${limit}))[1] AS last_id,
               count(*) FILTER (WHERE n <= ${limit} AND event IS NULL)::int AS missing
          FROM page) AS agg
      LEFT JOIN chunks ON true
     ORDER BY chunks.chunk`.execute(db);
  const row = rows[0]!;
  return {
    ...toHead(row),
    page: {
      chunks: rows.flatMap((chunk) => (chunk.events === null ? [] : [chunk.events])),
      count: row.count,
      hasMore: row.more > 0,
      last: row.txid !== null && row.lastId !== null ? { txid: row.txid, id: row.lastId } : null,
      missing: row.missing,
    },
  };
}

/** The changes of a page that have no stored event text yet, with everything needed to write it. */
export async function listWithoutEvent(db: Executor, range: PageRange): Promise<ChangeRow[]> {
  const { rows } = await sql<{ page: string }>`
    SELECT coalesce(json_agg(json_build_object(
             'txid', p.txid::text, 'id', p.id::text, 'type', p.type, 'project', p.project, 'version', p.version,
             'revision', p.revision, 'files', p.files,
             'publishedAt', to_char(date_trunc('milliseconds', p.published_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'detail', p.detail, 'signature', p.signature,
             'at', to_char(date_trunc('milliseconds', p.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY p.txid, p.id), '[]')::text AS page
      FROM (SELECT * FROM changes c
             WHERE c.epoch = ${range.epoch}
               AND (c.txid, c.id) > (${range.after.txid}::xid8, ${range.after.id}::bigint)
               AND c.txid < ${range.horizon}::xid8
             ORDER BY c.txid, c.id
             LIMIT ${range.limit}) AS p
     WHERE p.event IS NULL`.execute(db);
  return JSON.parse(rows[0]!.page) as ChangeRow[];
}

/** Stores the event text (and the signature it holds) of changes written without one. */
export async function storeEvents(
  db: Executor,
  epoch: number,
  events: { position: Position; event: string; signature: SignatureJson | null }[],
): Promise<void> {
  if (events.length === 0) return;
  await sql`
    UPDATE changes c SET event = v.event, signature = coalesce(c.signature, v.signature::jsonb)
      FROM (SELECT * FROM json_to_recordset(${JSON.stringify(
        events.map(({ position, event, signature }) => ({
          txid: position.txid,
          id: position.id,
          event,
          signature: signature ? JSON.stringify(signature) : null,
        })),
      )}::json) AS v(txid text, id bigint, event text, signature text)) AS v
     WHERE c.epoch = ${epoch} AND c.txid = v.txid::xid8 AND c.id = v.id AND c.event IS NULL`.execute(db);
}

/**
 * Starts a new epoch when the database's transaction ids went back behind the feed's
 * (a logical restore into a new cluster): old cursors would otherwise point past new
 * changes. Returns whether it did.
 */
export async function startEpochIfRestored(db: Executor): Promise<boolean> {
  const { rows } = await sql<{ restored: boolean }>`
    SELECT coalesce(max(txid) >= pg_snapshot_xmax(pg_current_snapshot()), false) AS restored
      FROM changes WHERE epoch = change_feed_epoch()`.execute(db);
  if (!rows[0]?.restored) return false;
  await startEpoch(db);
  return true;
}

/** A new history: every cursor held by a client is answered 410 and resyncs from the snapshot. */
export async function startEpoch(db: Executor): Promise<void> {
  await sql`INSERT INTO change_feed_epochs DEFAULT VALUES`.execute(db);
}

/**
 * Deletes changes written before `before`, and every change of an earlier epoch, in
 * position order, recording the low-water mark that makes older cursors answer 410.
 */
export async function pruneChanges(db: Executor, before: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const old = await sql`DELETE FROM changes WHERE epoch < change_feed_epoch()`.execute(tx);
    const { rows } = await sql<{ txid: string; id: string }>`
      SELECT c.txid::text, c.id FROM changes c
       WHERE c.epoch = change_feed_epoch() AND c.at < ${before}
       ORDER BY c.txid DESC, c.id DESC LIMIT 1`.execute(tx);
    const mark = rows[0];
    if (!mark) return Number(old.numAffectedRows ?? 0n);
    await sql`UPDATE change_feed_epochs SET pruned_txid = ${mark.txid}::xid8, pruned_id = ${mark.id}
               WHERE id = change_feed_epoch() AND (pruned_txid, pruned_id) < (${mark.txid}::xid8, ${mark.id}::bigint)`.execute(
      tx,
    );
    const pruned = await sql`DELETE FROM changes WHERE epoch = change_feed_epoch()
                              AND (txid, id) <= (${mark.txid}::xid8, ${mark.id}::bigint)`.execute(tx);
    return Number(old.numAffectedRows ?? 0n) + Number(pruned.numAffectedRows ?? 0n);
  });
}

/** Counts one more feed-visible change of a release, returning its new revision. */
export async function bumpReleaseRevision(tx: Tx, releaseId: string): Promise<number> {
  const row = await tx
    .updateTable('releases')
    .set({ revision: sql<number>`revision + 1` })
    .where('id', '=', releaseId)
    .returning('revision')
    .executeTakeFirstOrThrow();
  return row.revision;
}

export async function bumpProjectRevision(tx: Tx, projectId: string): Promise<number> {
  const row = await tx
    .updateTable('projects')
    .set({ revision: sql<number>`revision + 1` })
    .where('id', '=', projectId)
    .returning('revision')
    .executeTakeFirstOrThrow();
  return row.revision;
}

export async function setReleaseSignature(tx: Tx, releaseId: string, signature: SignatureJson): Promise<void> {
  await tx
    .updateTable('releases')
    .set({ signature: JSON.stringify(signature) })
    .where('id', '=', releaseId)
    .execute();
}

export interface SnapshotProjectRow {
  name: string;
  title: string;
  type: string;
  status: string;
  revision: number;
  releases: SnapshotReleaseRow[];
}

export interface SnapshotReleaseRow {
  id: string;
  version: string;
  revision: number;
  feedStatus: string;
  insecure: boolean;
  releaseTypes: string[];
  publishedAt: string | null;
  signature: SignatureJson | null;
  files: { name: string; size: number; sha256: string }[];
}

/** Every project and its published releases with their current files, in one statement. */
export async function readSnapshot(db: Executor): Promise<SnapshotProjectRow[]> {
  const { rows } = await sql<SnapshotProjectRow>`
    SELECT p.name, p.title, p.type, p.status, p.revision,
           coalesce((SELECT jsonb_agg(jsonb_build_object(
                      'id', r.id::text, 'version', r.version, 'revision', r.revision, 'feedStatus', r.feed_status,
                      'insecure', r.insecure, 'releaseTypes', to_jsonb(r.release_types),
                      'publishedAt', to_char(date_trunc('milliseconds', r.published_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'signature', r.signature,
                      'files', coalesce((SELECT jsonb_agg(jsonb_build_object('name', f.name, 'size', f.size, 'sha256', f.sha256) ORDER BY f.name)
                                           FROM release_files f
                                          WHERE f.release_id = r.id AND f.build_id IS NOT DISTINCT FROM r.current_build_id), '[]'::jsonb))
                      ORDER BY r.id)
                       FROM releases r WHERE r.project_id = p.id AND r.status = 'published'), '[]'::jsonb) AS releases
      FROM projects p
     ORDER BY p.name`.execute(db);
  return rows;
}

/** A release's published state for its signed statement, read in the writing transaction. */
export async function readReleaseState(tx: Tx, releaseId: string) {
  const { rows } = await sql<{
    project: string;
    version: string;
    status: string;
    feedStatus: string;
    insecure: boolean;
    releaseTypes: string[];
    publishedAt: string | null;
    files: { name: string; size: number; sha256: string }[];
  }>`
    SELECT p.name AS project, r.version, r.status, r.feed_status, r.release_types,
           -- As the update feed reads it: marked by a maintainer, or affected by a published advisory.
           r.insecure OR EXISTS (SELECT 1 FROM advisory_releases ar JOIN advisories a ON a.id = ar.advisory_id
                                  WHERE ar.release_id = r.id AND a.status = 'published') AS insecure,
           to_char(date_trunc('milliseconds', r.published_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS published_at,
           coalesce((SELECT jsonb_agg(jsonb_build_object('name', f.name, 'size', f.size, 'sha256', f.sha256) ORDER BY f.name)
                       FROM release_files f
                      WHERE f.release_id = r.id AND f.build_id IS NOT DISTINCT FROM r.current_build_id), '[]'::jsonb) AS files
      FROM releases r JOIN projects p ON p.id = r.project_id
     WHERE r.id = ${releaseId}`.execute(tx);
  return rows[0];
}
