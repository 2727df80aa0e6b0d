-- The Composer repository: each release's Composer version (unique per project, so 8.x-1.0
-- and 1.0.0 cannot both exist), and the metadata read from its tree at packaging time.
ALTER TABLE releases
  ADD COLUMN composer_version text,
  ADD COLUMN composer_require jsonb,
  ADD COLUMN submodules text[] NOT NULL DEFAULT '{}';

-- Existing releases claim their translation (packages/versions/src/composer.ts): 8.x- legacy
-- and semantic versions, and their dev branches; 7.x-era releases claim nothing. Where two
-- already collide, the older keeps the claim.
WITH translated AS (
  SELECT id, project_id, CASE
      WHEN version ~ '^8\.x-[0-9]+\.x-dev$' THEN 'dev-' || substring(version FROM '^8\.x-([0-9]+\.x)-dev$')
      WHEN version ~ '^[0-9]+(\.[0-9]+)?\.x-dev$' THEN 'dev-' || substring(version FROM '^(.*)-dev$')
      WHEN version ~ '^8\.x-[0-9]+\.[0-9]+(-[a-z]+[0-9]+)?$'
        THEN regexp_replace(version, '^8\.x-([0-9]+)\.([0-9]+)', '\1.\2.0')
      WHEN version ~ '^[0-9]+\.[0-9]+\.[0-9]+(-[a-z]+[0-9]+)?$' THEN version
    END AS composer_version
  FROM releases
), ranked AS (
  SELECT id, composer_version, row_number() OVER (PARTITION BY project_id, composer_version ORDER BY id) AS n
  FROM translated WHERE composer_version IS NOT NULL
)
UPDATE releases r SET composer_version = ranked.composer_version FROM ranked WHERE ranked.id = r.id AND ranked.n = 1;

CREATE UNIQUE INDEX releases_composer_version_key ON releases (project_id, composer_version);
-- `composer require drupal/{submodule}` looks the parent up by its sub-module's name.
CREATE INDEX releases_submodules_idx ON releases USING gin (submodules);
