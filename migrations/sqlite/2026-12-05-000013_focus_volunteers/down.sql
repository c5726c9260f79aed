DROP TABLE focus_volunteers;
ALTER TABLE surveys DROP COLUMN focus_group_opt_in;
