DROP TABLE text_terms;
DROP TABLE survey_tallies;
DROP TABLE question_tallies;
ALTER TABLE responses DROP COLUMN figures;
