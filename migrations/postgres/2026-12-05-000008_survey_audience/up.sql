-- Whose voice a survey's answers are: customers, employees or suppliers. The top-problems list
-- counts each answer for its survey's audience.
ALTER TABLE surveys ADD COLUMN audience TEXT NOT NULL DEFAULT 'customers';
