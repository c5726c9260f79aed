DROP TABLE response_drafts;
DROP TABLE answers;
DROP TABLE responses;
DROP TABLE invitations;
DROP TABLE questions;
DROP TABLE surveys;
