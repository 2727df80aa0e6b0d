-- Accounts: named tokens with scopes and expiry, disabled users, maintainer roles,
-- reserved project names, and projects that wait for an administrator's approval.

-- A user holds several tokens; each is stored only as its sha256.
CREATE TABLE tokens (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  token_hash    bytea NOT NULL UNIQUE,
  scopes        text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['release', 'manage', 'admin']),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, name)
);

-- Every existing single token keeps working as a named token with the powers it had.
INSERT INTO tokens (user_id, name, token_hash, scopes)
SELECT id, CASE WHEN is_admin THEN 'bootstrap' ELSE 'default' END, token_hash,
       CASE WHEN is_admin THEN ARRAY['release', 'manage', 'admin'] ELSE ARRAY['release', 'manage'] END
FROM users;

-- Kept for code still running the previous release; no longer written or read.
ALTER TABLE users ALTER COLUMN token_hash DROP NOT NULL;

-- A disabled user's tokens all stop working at once.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Owners add and remove maintainers; plain maintainers release and manage the project.
ALTER TABLE maintainers ADD COLUMN role text NOT NULL DEFAULT 'maintainer' CHECK (role IN ('owner', 'maintainer'));
-- Each project's first maintainer (its creator) owns it.
UPDATE maintainers m SET role = 'owner'
FROM (
  SELECT DISTINCT ON (project_id) project_id, user_id FROM maintainers ORDER BY project_id, created_at, user_id
) first
WHERE m.project_id = first.project_id AND m.user_id = first.user_id;

-- Names only administrators may give a project.
CREATE TABLE reserved_names (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,63}$'),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO reserved_names (name) VALUES
  ('drupal'), ('core'), ('packhouse');

-- With PROJECT_APPROVAL=admin a new project's releases wait until an administrator approves it.
ALTER TABLE projects ADD COLUMN approved_at timestamptz;
UPDATE projects SET approved_at = created_at;
CREATE INDEX projects_awaiting_approval_idx ON projects (created_at) WHERE approved_at IS NULL;
