-- Security advisories: published to the update feed (Insecure), Composer's advisories API,
-- the p2 metadata files and OSV. Withdrawn is a status; advisories are never deleted.
CREATE TABLE advisory_sequences (
  year  integer PRIMARY KEY,
  last  integer NOT NULL
);

CREATE TABLE advisories (
  id                 text PRIMARY KEY CHECK (id ~ '^PH-SA-[0-9]{4}-[0-9]{4,}$'),
  project_id         bigint NOT NULL REFERENCES projects (id),
  title              text NOT NULL,
  severity           text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
  -- As the maintainer wrote it, and as Composer reads it (8.x- legacy versions translated).
  affected_input     text NOT NULL,
  affected_versions  text NOT NULL,
  cve                text CHECK (cve ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
  link               text,
  description        text NOT NULL,
  status             text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'withdrawn')),
  created_by         bigint REFERENCES users (id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  withdrawn_at       timestamptz
);
CREATE INDEX advisories_project_idx ON advisories (project_id, created_at);

-- The releases an advisory's constraint matched when it was saved: the update feed marks
-- them Insecure while the advisory is published.
CREATE TABLE advisory_releases (
  advisory_id  text NOT NULL REFERENCES advisories (id),
  release_id   bigint NOT NULL REFERENCES releases (id),
  PRIMARY KEY (advisory_id, release_id)
);
CREATE INDEX advisory_releases_release_idx ON advisory_releases (release_id);

-- An advisory changes its project's feeds and Composer metadata: the same change log and
-- notification as every other feed write (migrations/20261128140000_update_status.sql).
CREATE FUNCTION advisories_feed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM feed_changed(CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END);
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER advisories_feed AFTER INSERT OR UPDATE OR DELETE ON advisories
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION advisories_feed_trigger();
