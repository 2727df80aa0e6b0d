-- The first change log for mirrors, replaced by `changes` (20261129150100_change_feed.sql).
-- Nothing has written or read it since; the change feed is the only event history.
DROP TABLE events;
