-- Each change's event as the change feed serves it: its canonical JSON text (signature
-- included), written with the change, so a page is the concatenation of stored texts and
-- costs the same however long the history. File URLs hold a placeholder for PUBLIC_URL
-- (registry/src/change-event.ts). Rows from before (the history backfilled by
-- 20261129150100_change_feed.sql, or written during a deploy by older code) are filled in
-- the first time a page reaches them.
ALTER TABLE changes ADD COLUMN event text;
