-- Distributions: the library allowlist, one distribution build per distribution release,
-- variant archives and the bill of materials among a release's files, and the components
-- each built distribution bundles.

-- drupal.org's packaging whitelist: regular expressions every library and patch URL must match.
CREATE TABLE library_allowlist (
  position    integer PRIMARY KEY CHECK (position >= 0),
  pattern     text NOT NULL CHECK (pattern <> '' AND length(pattern) <= 1000),
  updated_by  bigint REFERENCES users (id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The second job of a distribution release: its make file built into whole-site archives.
CREATE TABLE distribution_builds (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id    bigint NOT NULL UNIQUE REFERENCES releases (id),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'building', 'published', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX distribution_builds_unfinished_idx ON distribution_builds (updated_at) WHERE status IN ('queued', 'building');

-- `projects` (-no-core) and `full` (-core) archives; `sbom` is the CycloneDX document;
-- NULL for every other file (a distribution's profile-only archives among them).
ALTER TABLE release_files ADD COLUMN variant text CHECK (variant IN ('projects', 'full', 'sbom'));
ALTER TABLE release_files DROP CONSTRAINT release_files_archive_type_check;
ALTER TABLE release_files ADD CONSTRAINT release_files_archive_type_check CHECK (archive_type IN ('tar.gz', 'zip', 'cdx.json'));

-- What went into each built distribution release, with the make-file line that asked for it.
CREATE TABLE distribution_components (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id            bigint NOT NULL REFERENCES releases (id),
  kind                  text NOT NULL CHECK (kind IN ('core', 'project', 'library', 'patch')),
  name                  text NOT NULL,
  version               text,
  -- Core and projects: the Packhouse release bundled; NULL for libraries and patches.
  component_release_id  bigint REFERENCES releases (id),
  -- Patches: the project they were applied to.
  applied_to            text,
  source_url            text NOT NULL,
  sha256                text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  make_file             text NOT NULL,
  make_line             integer NOT NULL CHECK (make_line > 0)
);
CREATE INDEX distribution_components_release_idx ON distribution_components (release_id);
CREATE INDEX distribution_components_component_idx ON distribution_components (component_release_id);
