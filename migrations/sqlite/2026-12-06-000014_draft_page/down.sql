ALTER TABLE response_drafts DROP COLUMN page;
