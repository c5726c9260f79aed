ALTER TABLE focus_participants DROP COLUMN removed_at;
ALTER TABLE focus_participants DROP COLUMN invited_at;
