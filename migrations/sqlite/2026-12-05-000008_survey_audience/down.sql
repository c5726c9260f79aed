ALTER TABLE surveys DROP COLUMN audience;
