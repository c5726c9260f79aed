-- Every response in short, for figures over a segment: one token per question of the survey
-- (see the respond room's figures module), so a segment is counted from this one column rather
-- than from every answer's row. Empty for responses stored before it existed until their survey
-- is counted again.
ALTER TABLE responses ADD COLUMN figures TEXT;

-- The kept figures of every question: how many responses have each fact (answered, a rating's
-- value, an option chosen, a rank given, a competitor score, a head-to-head outcome). Added to
-- in the transaction that stores the responses, so unfiltered results never count answers.
-- Both tally tables are WITHOUT ROWID: the primary key is the table, so adding to a count
-- rewrites one page rather than a table page and an index page, on every commit.
CREATE TABLE question_tallies (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    part TEXT NOT NULL,
    item TEXT NOT NULL,
    value BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question_id, part, item, value)
) WITHOUT ROWID;

-- A survey's kept response count, and whether its figures must be counted again from the
-- stored answers (true for surveys that had responses before figures were kept).
CREATE TABLE survey_tallies (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    responses BIGINT NOT NULL,
    stale BOOLEAN NOT NULL
) WITHOUT ROWID;
INSERT INTO survey_tallies (survey_id, responses, stale)
    SELECT survey_id, COUNT(*), TRUE FROM responses GROUP BY survey_id;

-- The terms of an open question for everyone, as last counted: counting words is the slow part
-- of results, so results for everyone serve these and count again in the background when new
-- responses have come in since (see the results room).
CREATE TABLE text_terms (
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    responses BIGINT NOT NULL,
    counted_at TIMESTAMP NOT NULL,
    terms TEXT NOT NULL,
    PRIMARY KEY (survey_id, question_id)
);
