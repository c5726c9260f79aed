-- Contacts, the suppression list of people who opted out (kept as email digests only, so an
-- erased person's address is stored nowhere), and the email outbox.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    phone TEXT,
    address TEXT,
    language TEXT,
    attributes TEXT NOT NULL,
    opted_out_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_created ON contacts (created_at, id);

CREATE TABLE suppressions (
    email_digest TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    contact_id TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    invitation_id TEXT REFERENCES invitations (id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_invitation ON outbox (invitation_id);

ALTER TABLE invitations ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN sent_at TIMESTAMP;
ALTER TABLE invitations ADD COLUMN last_error TEXT;
CREATE UNIQUE INDEX invitations_one_per_contact ON invitations (survey_id, contact_id) WHERE contact_id IS NOT NULL;
