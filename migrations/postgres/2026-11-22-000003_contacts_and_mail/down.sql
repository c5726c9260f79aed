DROP INDEX invitations_one_per_contact;
ALTER TABLE invitations DROP COLUMN last_error;
ALTER TABLE invitations DROP COLUMN sent_at;
ALTER TABLE invitations DROP COLUMN reminders;
DROP TABLE outbox;
DROP TABLE suppressions;
DROP TABLE contacts;
