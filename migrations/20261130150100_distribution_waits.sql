-- A distribution build whose pinned releases are still being packaged gives its worker slot
-- back and is run again later. The wait's bound counts from the first time it was found
-- waiting, which `waiting_since` keeps across those runs; `waiting_for` says for what.
ALTER TABLE distribution_builds ADD COLUMN waiting_since timestamptz;
ALTER TABLE distribution_builds ADD COLUMN waiting_for text[];
