-- Feed changes are stamped as their transaction commits, not as its rows change: the feeds
-- send a Last-Modified only once its second is over (services/api/src/feeds/representation.ts),
-- which holds only if a change's time is no earlier than the moment readers can see it.
-- Deferred constraint triggers run at commit, with the row images of each change as before.
DROP TRIGGER projects_feed ON projects;
CREATE CONSTRAINT TRIGGER projects_feed AFTER INSERT OR UPDATE OR DELETE ON projects
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projects_feed_trigger();

DROP TRIGGER releases_feed ON releases;
CREATE CONSTRAINT TRIGGER releases_feed AFTER INSERT OR UPDATE OR DELETE ON releases
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION releases_feed_trigger();

DROP TRIGGER release_files_feed ON release_files;
CREATE CONSTRAINT TRIGGER release_files_feed AFTER INSERT OR DELETE ON release_files
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION release_files_feed_trigger();

DROP TRIGGER maintainers_feed ON maintainers;
CREATE CONSTRAINT TRIGGER maintainers_feed AFTER INSERT OR DELETE ON maintainers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION maintainers_feed_trigger();
