-- How many reminders a survey sends at most to an invitee who has not answered.
ALTER TABLE surveys ADD COLUMN max_reminders INTEGER NOT NULL DEFAULT 2;
