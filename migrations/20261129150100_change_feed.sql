-- The change feed for mirrors (issue 10). Replaces the unordered `events` log, which stays
-- for code still running during a deploy and is no longer read.
--
-- Positions are (epoch, txid, id): txid is the writing transaction's id (xid8, 64 bits, never
-- wraps). A reader serves only rows whose txid is below pg_snapshot_xmin of its own snapshot:
-- every transaction below that horizon has finished, so no row can later appear behind a
-- cursor a client already holds (docs/ARCHITECTURE.md, "The change feed").

-- An epoch is one unbroken history. A restore starts a new one, and cursors of the old are
-- answered 410 Gone (resync from the snapshot).
CREATE TABLE change_feed_epochs (
  id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token       text NOT NULL UNIQUE DEFAULT replace(gen_random_uuid()::text, '-', ''),
  -- Low-water mark: every change at or before (pruned_txid, pruned_id) was pruned.
  pruned_txid xid8 NOT NULL DEFAULT '0',
  pruned_id   bigint NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO change_feed_epochs DEFAULT VALUES;

CREATE FUNCTION change_feed_epoch() RETURNS int LANGUAGE sql STABLE
  AS $$ SELECT max(id) FROM change_feed_epochs $$;

CREATE TABLE changes (
  epoch         int NOT NULL DEFAULT change_feed_epoch(),
  txid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  type          text NOT NULL CHECK (type IN ('release.published', 'release.updated', 'release.unpublished', 'project.updated', 'project.deleted')),
  project       text NOT NULL,
  version       text,
  revision      int NOT NULL CHECK (revision > 0),
  -- [{name, size, sha256}]; URLs are made from PUBLIC_URL when served.
  files         jsonb NOT NULL DEFAULT '[]',
  published_at  timestamptz,
  -- What else the feed shows of it: {status, insecure, releaseTypes} or the project's fields.
  detail        jsonb NOT NULL DEFAULT '{}',
  -- The signed release statement's signature {keyid, sig}; null only for rows backfilled below.
  signature     jsonb,
  at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (epoch, txid, id)
);
CREATE INDEX changes_at_idx ON changes (at);

-- Revisions: each feed-visible change of a release (or project) counts one up.
ALTER TABLE releases ADD COLUMN revision int NOT NULL DEFAULT 0;
ALTER TABLE releases ADD COLUMN signature jsonb;
ALTER TABLE projects ADD COLUMN revision int NOT NULL DEFAULT 0;

-- Public keys that ever signed; a rotated key stays listed so old signatures still verify.
CREATE TABLE signing_keys (
  keyid       text PRIMARY KEY,
  algorithm   text NOT NULL CHECK (algorithm = 'ed25519'),
  public_key  text NOT NULL,
  valid_from  timestamptz NOT NULL DEFAULT now(),
  valid_until timestamptz
);

-- History from before the feed: one change per project and per published release, so a
-- mirror starting from the beginning still sees everything (signed when served).
UPDATE projects SET revision = 1;
INSERT INTO changes (type, project, revision, detail)
  SELECT 'project.updated', name, 1, jsonb_build_object('title', title, 'status', status) FROM projects ORDER BY id;
UPDATE releases SET revision = 1 WHERE status = 'published';
INSERT INTO changes (type, project, version, revision, files, published_at, detail)
  SELECT 'release.published', p.name, r.version, 1,
         coalesce((SELECT jsonb_agg(jsonb_build_object('name', f.name, 'size', f.size, 'sha256', f.sha256) ORDER BY f.name)
                     FROM release_files f
                    WHERE f.release_id = r.id AND f.build_id IS NOT DISTINCT FROM r.current_build_id), '[]'),
         r.published_at,
         jsonb_build_object('status', r.feed_status, 'insecure', r.insecure, 'releaseTypes', to_jsonb(r.release_types))
    FROM releases r JOIN projects p ON p.id = r.project_id
   WHERE r.status = 'published'
   ORDER BY r.id;
