-- Pages for people: project descriptions and search, READMEs read from the packaged
-- archives, browser sessions and sign-in links, and the offerings listed on project pages.

-- A project's description is the first paragraph of its latest release's README (plain
-- text), kept here so that search and the page's meta description read one row.
-- The feed trigger compares named columns only, so writing it changes no feed.
ALTER TABLE projects
  ADD COLUMN description text NOT NULL DEFAULT '',
  ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', name), 'A') ||
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', description), 'B')
  ) STORED;
CREATE INDEX projects_search_idx ON projects USING gin (search);

-- The README of a published release, read once from its tar.gz: `body` NULL when the
-- archive holds none. Immutable like the archive it came from.
CREATE TABLE release_readmes (
  release_id  bigint PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
  file_name   text,
  body        text,
  captured_at timestamptz NOT NULL DEFAULT now()
);

-- Browser sessions: the cookie holds a random token, only its sha256 is stored; each has
-- its own CSRF token. Signing out everywhere deletes every row of the user.
CREATE TABLE sessions (
  token_hash  bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Short-lived, single-use sign-in links issued by an administrator.
CREATE TABLE sign_in_links (
  token_hash  bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- Commercial offerings of the organisations behind a project.
CREATE TABLE offerings (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  provider     text NOT NULL CHECK (length(provider) BETWEEN 1 AND 120),
  kind         text NOT NULL CHECK (kind IN ('support', 'hosting', 'training', 'administration', 'other')),
  title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  url          text NOT NULL CHECK (url ~ '^https?://'),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offerings_project_idx ON offerings (project_id, id);

-- Visits through /go/{id}, per ISO week (its Monday): a count, nothing about the visitor.
CREATE TABLE offering_visits (
  offering_id  bigint NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
  week         date NOT NULL,
  visits       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (offering_id, week)
);

-- Pages are cached per API process: these writes evict the project's pages everywhere,
-- as the feed triggers do for feed changes (on their own channel: no feed changes).
CREATE FUNCTION page_changed(project bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  project_name text;
BEGIN
  SELECT name INTO project_name FROM projects WHERE id = project;
  IF project_name IS NOT NULL THEN
    PERFORM pg_notify('packhouse_pages', project_name);
  END IF;
END $$;

CREATE FUNCTION offerings_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM page_changed(CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END);
  RETURN NULL;
END $$;
CREATE TRIGGER offerings_page AFTER INSERT OR UPDATE OR DELETE ON offerings
  FOR EACH ROW EXECUTE FUNCTION offerings_page_trigger();

-- Any project change (its description too), any release change (failed ones included), maintainers.
CREATE FUNCTION projects_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('packhouse_pages', CASE WHEN TG_OP = 'DELETE' THEN OLD.name ELSE NEW.name END);
  RETURN NULL;
END $$;
CREATE TRIGGER projects_page AFTER INSERT OR UPDATE OR DELETE ON projects
  FOR EACH ROW EXECUTE FUNCTION projects_page_trigger();

CREATE FUNCTION releases_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM page_changed(CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END);
  RETURN NULL;
END $$;
CREATE TRIGGER releases_page AFTER INSERT OR UPDATE OR DELETE ON releases
  FOR EACH ROW EXECUTE FUNCTION releases_page_trigger();

-- Rows that name a project through a release: builds (dev history), files, READMEs.
CREATE FUNCTION release_child_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM page_changed((SELECT project_id FROM releases
                        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.release_id ELSE NEW.release_id END));
  RETURN NULL;
END $$;
CREATE TRIGGER builds_page AFTER INSERT OR UPDATE ON builds
  FOR EACH ROW EXECUTE FUNCTION release_child_page_trigger();
CREATE TRIGGER release_files_page AFTER INSERT OR DELETE ON release_files
  FOR EACH ROW EXECUTE FUNCTION release_child_page_trigger();
CREATE TRIGGER release_readmes_page AFTER INSERT ON release_readmes
  FOR EACH ROW EXECUTE FUNCTION release_child_page_trigger();

CREATE TRIGGER maintainers_page AFTER INSERT OR DELETE ON maintainers
  FOR EACH ROW EXECUTE FUNCTION releases_page_trigger();
