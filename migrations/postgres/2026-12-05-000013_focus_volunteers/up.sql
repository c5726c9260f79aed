-- A survey may recruit for focus groups: its personal links' thank-you page then asks whether
-- the respondent would take part (never on anonymous surveys). Those who say yes are kept by
-- survey and contact.
ALTER TABLE surveys ADD COLUMN focus_group_opt_in BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE focus_volunteers (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    volunteered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, contact_id)
);
