-- What a failed attempt leaves for people to read. `error` stays the one short public line
-- (`git-fetch-failed: repository not found`); `error_detail` holds git's whole output, shown
-- to the project's maintainers only. While a transient failure waits for its retry,
-- `last_error` and `next_attempt_at` say so.
ALTER TABLE releases ADD COLUMN error_detail text, ADD COLUMN last_error text, ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE builds ADD COLUMN error_detail text, ADD COLUMN last_error text, ADD COLUMN next_attempt_at timestamptz;
