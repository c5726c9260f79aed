-- The language of the staff pages a user chose on their account page; NULL follows the
-- browser's Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT;
