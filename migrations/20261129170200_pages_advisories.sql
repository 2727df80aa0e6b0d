-- Project pages list a project's published advisories: publishing, changing or withdrawing
-- one evicts that project's cached pages (pages cache, migration 20261129170100).
CREATE TRIGGER advisories_page AFTER INSERT OR UPDATE OR DELETE ON advisories
  FOR EACH ROW EXECUTE FUNCTION releases_page_trigger();
