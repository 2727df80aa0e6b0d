-- An epoch begun after a restore holds no change from before it, so reading it from the
-- beginning (no cursor) would miss every project and release that existed then. Its
-- low-water mark starts above nothing but below every real transaction id (ids start at 3):
-- a read without a cursor is answered 410 Gone and resynchronizes from the snapshot, as an
-- old cursor is. The first epoch, backfilled by 20261129150100_change_feed.sql, keeps 0.
ALTER TABLE change_feed_epochs ALTER COLUMN pruned_txid SET DEFAULT '1';
