-- Who holds a row's lease: the node's stable name and when that run of it started, so a
-- restarted node takes back at once what its earlier run held when it died.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by_start TIMESTAMP;
