-- Update status: what maintainers control in the feed, the change log and notifications
-- that keep the API's feed caches fresh, and weekly usage statistics.

-- The feed status is the maintainer's (published|unpublished); releases.status stays the
-- build status, and only built releases (status 'published') are listed at all.
ALTER TABLE releases
  ADD COLUMN feed_status text NOT NULL DEFAULT 'published' CHECK (feed_status IN ('published', 'unpublished')),
  ADD COLUMN insecure boolean NOT NULL DEFAULT false;

-- When a project's feeds last changed (Last-Modified). Append-only and without a foreign
-- key on purpose: neither takes a lock on the project row inside a writer's transaction,
-- so the triggers below can never add a deadlock to the writers' own lock order.
CREATE TABLE feed_changes (
  project_id  bigint NOT NULL,
  changed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX feed_changes_project_idx ON feed_changes (project_id, changed_at DESC);

-- Every write that can change a feed records it and notifies the API processes in the same
-- transaction, whoever the writer is (API, worker, an operator's SQL). Postgres delivers
-- the notification only on commit and collapses duplicates within a transaction.
CREATE FUNCTION feed_changed(project bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  project_name text;
BEGIN
  INSERT INTO feed_changes (project_id) VALUES (project);
  SELECT name INTO project_name FROM projects WHERE id = project;
  IF project_name IS NOT NULL THEN
    PERFORM pg_notify('packhouse_feeds', project_name);
  END IF;
END $$;

CREATE FUNCTION projects_feed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.name, OLD.title, OLD.type, OLD.status, OLD.security_coverage, OLD.supported_branches)
      IS NOT DISTINCT FROM (NEW.name, NEW.title, NEW.type, NEW.status, NEW.security_coverage, NEW.supported_branches) THEN
    RETURN NULL;
  END IF;
  -- A rename or a removal also changes what the old name answers.
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('packhouse_feeds', OLD.name);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM feed_changed(NEW.id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER projects_feed AFTER INSERT OR UPDATE OR DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION projects_feed_trigger();

-- Only built releases appear in feeds: queued/building/failed transitions are not changes.
CREATE FUNCTION releases_feed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status = 'published' THEN
    PERFORM feed_changed(OLD.project_id);
  ELSIF TG_OP <> 'DELETE' AND NEW.status = 'published' THEN
    PERFORM feed_changed(NEW.project_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER releases_feed AFTER INSERT OR UPDATE OR DELETE ON releases
  FOR EACH ROW EXECUTE FUNCTION releases_feed_trigger();

CREATE FUNCTION release_files_feed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM feed_changed(r.project_id)
    FROM releases r
    WHERE r.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.release_id ELSE NEW.release_id END
      AND r.status = 'published';
  RETURN NULL;
END $$;
CREATE TRIGGER release_files_feed AFTER INSERT OR DELETE ON release_files
  FOR EACH ROW EXECUTE FUNCTION release_files_feed_trigger();

-- dc:creator is the first maintainer.
CREATE FUNCTION maintainers_feed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM feed_changed(CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END);
  RETURN NULL;
END $$;
CREATE TRIGGER maintainers_feed AFTER INSERT OR DELETE ON maintainers
  FOR EACH ROW EXECUTE FUNCTION maintainers_feed_trigger();

-- Usage: one row per site (keyed hash of its site_key) per project per ISO week, kept only
-- to count each site once; the counts per version live in usage_counts.
-- Week first: the one index both deduplicates and lets old weeks be pruned. No foreign key:
-- the flush inserts only ids it checked exist, and a per-row check would double its cost.
CREATE TABLE usage_sites (
  project_id  bigint NOT NULL,
  week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
  site_hash   bytea NOT NULL CHECK (length(site_hash) = 32),
  version     text NOT NULL,
  PRIMARY KEY (week, project_id, site_hash)
);

CREATE TABLE usage_counts (
  project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
  version     text NOT NULL,
  sites       integer NOT NULL CHECK (sites >= 0),
  PRIMARY KEY (project_id, week, version)
);
