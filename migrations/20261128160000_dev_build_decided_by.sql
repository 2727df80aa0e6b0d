-- Which build job last decided a dev release's current build. A head that moves back to a
-- commit built before points the release at that earlier build, whose id is smaller than
-- the builds in between: ordering the pointer by the target's id would refuse it, so it is
-- ordered by the id of the job that decided instead.
ALTER TABLE releases ADD COLUMN current_decided_by bigint;
UPDATE releases SET current_decided_by = current_build_id WHERE current_build_id IS NOT NULL;
