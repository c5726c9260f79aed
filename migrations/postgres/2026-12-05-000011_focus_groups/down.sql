DROP TABLE focus_notes;
DROP TABLE focus_participants;
DROP TABLE focus_groups;
