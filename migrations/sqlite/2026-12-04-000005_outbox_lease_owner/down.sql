ALTER TABLE outbox DROP COLUMN claimed_by_start;
ALTER TABLE outbox DROP COLUMN claimed_by;
