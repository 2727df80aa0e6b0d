-- Usage deduplication keeps each site key as the first 64 bits of its HMAC-SHA256 instead
-- of all 256: the index a poll's row goes into shrinks by half, and a collision between two
-- sites of one project in one week (odds about n^2 / 2^65) would only undercount one site.
-- Existing rows keep their identity: their first 8 bytes are the new value.
ALTER TABLE usage_sites DROP CONSTRAINT usage_sites_site_hash_check;
ALTER TABLE usage_sites
  ALTER COLUMN site_hash TYPE bigint USING ('x' || encode(substring(site_hash FROM 1 FOR 8), 'hex'))::bit(64)::bigint;
