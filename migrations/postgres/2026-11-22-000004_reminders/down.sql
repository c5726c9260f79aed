ALTER TABLE surveys DROP COLUMN max_reminders;
