DROP TABLE complaint_changes;
DROP TABLE complaints;
