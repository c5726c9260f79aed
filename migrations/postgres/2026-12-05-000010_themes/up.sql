-- Themes shared by every source: a tag is a name (unique whatever its case) and an optional
-- description; a link ties a tag to one thing a person said: an answer to a question, a
-- focus-group note or a complaint.
CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at TIMESTAMP NOT NULL
);

-- `target` is the response id for an answer (with `question_id`), else the note's or the
-- complaint's id. `survey_id` is kept for answers so a question's tag counts and a survey's
-- audience are found without reading the answers. `happened_at` is when the thing was said (the
-- response's submission, the complaint's receipt), for the problems of a period.
CREATE TABLE tag_links (
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    question_id TEXT NOT NULL,
    survey_id TEXT,
    happened_at TIMESTAMP NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tag_id, kind, target, question_id)
);
CREATE INDEX tag_links_target ON tag_links(kind, target, question_id);
CREATE INDEX tag_links_question ON tag_links(survey_id, question_id) WHERE survey_id IS NOT NULL;
