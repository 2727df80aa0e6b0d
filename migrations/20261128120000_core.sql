-- Core schema: users, projects, maintainers, releases, their archive files, and the change events.
CREATE TABLE users (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_.-]{1,63}$'),
  token_hash  bytea NOT NULL UNIQUE,
  is_admin    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{1,63}$'),
  title               text NOT NULL,
  type                text NOT NULL CHECK (type IN ('core', 'module', 'theme', 'distribution')),
  git_url             text NOT NULL,
  status              text NOT NULL DEFAULT 'published'
                        CHECK (status IN ('published', 'unsupported', 'unpublished', 'insecure', 'revoked')),
  security_coverage   boolean NOT NULL DEFAULT false,
  supported_branches  text[] NOT NULL DEFAULT '{}',
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_git_url_idx ON projects (git_url);

CREATE TABLE maintainers (
  project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);

CREATE TABLE releases (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id          bigint NOT NULL REFERENCES projects (id),
  version             text NOT NULL,
  tag                 text NOT NULL,
  commit              text CHECK (commit ~ '^[0-9a-f]{40}$'),
  commit_time         timestamptz,
  status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'building', 'published', 'failed')),
  error               text,
  release_types       text[] NOT NULL DEFAULT '{}',
  core_compatibility  text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  published_at        timestamptz,
  UNIQUE (project_id, version)
);
-- The reconciler's scan: only unfinished releases are indexed.
CREATE INDEX releases_unfinished_idx ON releases (updated_at) WHERE status IN ('queued', 'building');

CREATE TABLE release_files (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id    bigint NOT NULL REFERENCES releases (id),
  name          text NOT NULL UNIQUE,
  archive_type  text NOT NULL CHECK (archive_type IN ('tar.gz', 'zip')),
  storage_key   text NOT NULL,
  size          bigint NOT NULL CHECK (size >= 0),
  md5           text NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
  sha1          text NOT NULL CHECK (sha1 ~ '^[0-9a-f]{40}$'),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  sha512        text NOT NULL CHECK (sha512 ~ '^[0-9a-f]{128}$'),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX release_files_release_idx ON release_files (release_id);

-- Append-only log of what changed, for mirrors (the change feed reads it).
CREATE TABLE events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL,
  project     text NOT NULL,
  version     text,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
