-- Distribution release pages show their whole-site build, its bill of materials and the
-- bundled releases marked insecure since; project pages list the distributions bundling
-- them. These writes evict those cached pages too (page cache, migration 20261129170100).

-- The whole-site build of a distribution release: its own project's pages.
CREATE TRIGGER distribution_builds_page AFTER INSERT OR UPDATE ON distribution_builds
  FOR EACH ROW EXECUTE FUNCTION release_child_page_trigger();

-- A component recorded for a built distribution: the bundled project's pages (used by).
CREATE FUNCTION distribution_components_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM page_changed((SELECT project_id FROM releases WHERE id = NEW.component_release_id));
  RETURN NULL;
END $$;
CREATE TRIGGER distribution_components_page AFTER INSERT ON distribution_components
  FOR EACH ROW EXECUTE FUNCTION distribution_components_page_trigger();

-- A release marked (or no longer) insecure: the pages of every distribution bundling it.
CREATE FUNCTION bundled_release_page_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM page_changed(bundling.project_id)
    FROM (SELECT DISTINCT d.project_id
            FROM distribution_components c JOIN releases d ON d.id = c.release_id
           WHERE c.component_release_id = NEW.id) AS bundling;
  RETURN NULL;
END $$;
CREATE TRIGGER bundled_release_page AFTER UPDATE OF insecure ON releases
  FOR EACH ROW WHEN (OLD.insecure IS DISTINCT FROM NEW.insecure)
  EXECUTE FUNCTION bundled_release_page_trigger();
