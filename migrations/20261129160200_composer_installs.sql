-- Installs Composer reports through notify-batch, per project, ISO week and Composer version.
CREATE TABLE composer_installs (
  project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  week        date NOT NULL CHECK (extract(isodow FROM week) = 1),
  version     text NOT NULL,
  installs    bigint NOT NULL CHECK (installs >= 0),
  PRIMARY KEY (project_id, week, version)
);
