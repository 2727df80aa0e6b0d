-- Release notes: an annotated tag's message and tagger time, read by the worker from the
-- tag it packages (packager/annotation.ts) and written in the publish transaction. No row:
-- a lightweight tag, a dev release, or a release packaged before this migration. Kept
-- beside the release (not a column of it) so that the feeds' reads of releases stay narrow.
CREATE TABLE release_notes (
  release_id  bigint PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
  message     text CHECK (length(message) <= 16384),
  tagged_at   timestamptz
);
