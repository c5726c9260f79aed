-- A long survey is answered a page at a time; a personal link's draft remembers the page the
-- respondent reached (0-based), so reopening the link resumes there. Drafts saved before pages
-- existed resume at the first page.
ALTER TABLE response_drafts ADD COLUMN page INTEGER NOT NULL DEFAULT 0;
