-- When a participant was emailed the session's calendar invitation, and when they were taken
-- off the session (kept, so the quotes they gave still say who gave them).
ALTER TABLE focus_participants ADD COLUMN invited_at TIMESTAMP;
ALTER TABLE focus_participants ADD COLUMN removed_at TIMESTAMP;
