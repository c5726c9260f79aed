-- Surveys with their questions, personal invitations, responses with their answers, and the
-- drafts of personal-link respondents who saved to continue later.
CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    intro TEXT NOT NULL,
    thank_you TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    anonymous BOOLEAN NOT NULL,
    invitation_only BOOLEAN NOT NULL,
    opens_at TIMESTAMP,
    closes_at TIMESTAMP,
    incentive TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX surveys_created ON surveys (created_at, id);

CREATE TABLE questions (
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    spec TEXT NOT NULL,
    PRIMARY KEY (survey_id, id)
);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    contact_id TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    completed_at TIMESTAMP
);
CREATE INDEX invitations_survey ON invitations (survey_id);

CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    invitation_id TEXT REFERENCES invitations (id),
    contact_id TEXT,
    submission_key TEXT NOT NULL UNIQUE,
    payload_digest TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('link', 'invitation', 'api')),
    submitted_at TIMESTAMP NOT NULL,
    score TEXT
);
-- One response per invitation. NULL (open-link answers) is not a value, so the index is partial
-- rather than a plain UNIQUE that would accept many NULLs and still look safe.
CREATE UNIQUE INDEX responses_one_per_invitation ON responses (invitation_id) WHERE invitation_id IS NOT NULL;
CREATE INDEX responses_survey ON responses (survey_id, submitted_at, id);

CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id)
);

CREATE TABLE response_drafts (
    invitation_id TEXT PRIMARY KEY NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
