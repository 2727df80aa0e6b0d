-- Webhooks, dev snapshot releases (one release, many immutable builds), packaging attempts.

-- The secret git hosts sign webhook deliveries with (GitHub's HMAC needs it in clear).
ALTER TABLE projects ADD COLUMN webhook_secret text;

-- Tagged releases come from a tag; dev releases follow a branch and get a build per head.
ALTER TABLE releases ADD COLUMN kind text NOT NULL DEFAULT 'tag' CHECK (kind IN ('tag', 'dev'));
-- How many times packaging was attempted: a refused source is attempted exactly once.
ALTER TABLE releases ADD COLUMN attempts integer NOT NULL DEFAULT 0;

CREATE TABLE builds (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id    bigint NOT NULL REFERENCES releases (id),
  status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'building', 'published', 'unchanged', 'failed')),
  commit        text CHECK (commit ~ '^[0-9a-f]{40}$'),
  commit_time   timestamptz,
  error         text,
  attempts      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX builds_release_idx ON builds (release_id, id);
-- At most one build waits per branch: a waiting build packages whatever the head is when it runs.
CREATE UNIQUE INDEX builds_one_queued_idx ON builds (release_id) WHERE status = 'queued';
CREATE INDEX builds_unfinished_idx ON builds (updated_at) WHERE status IN ('queued', 'building');

-- A dev release points at its newest published build; its files carry their build.
ALTER TABLE releases ADD COLUMN current_build_id bigint REFERENCES builds (id);
ALTER TABLE release_files ADD COLUMN build_id bigint REFERENCES builds (id);
