-- Focus groups: a session with customers, employees or suppliers, its discussion guide (JSON
-- list of items), and `sequence`, raised whenever its time or place changes, for calendar
-- updates.
CREATE TABLE focus_groups (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    audience TEXT NOT NULL,
    scheduled_at TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL,
    location TEXT,
    guide TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX focus_groups_scheduled ON focus_groups(scheduled_at, id);

-- The people in a session, numbered in the order added ("Participant 3" in quotes when they
-- did not agree to be named), with the consent they gave, when, and the words they were shown.
CREATE TABLE focus_participants (
    id TEXT PRIMARY KEY NOT NULL,
    focus_group_id TEXT NOT NULL REFERENCES focus_groups(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    consent BOOLEAN NOT NULL,
    consent_at TIMESTAMP,
    consent_wording TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX focus_participants_number ON focus_participants(focus_group_id, number);

-- Notes and quotes taken during a session, in the order taken, each under a guide item.
CREATE TABLE focus_notes (
    id TEXT PRIMARY KEY NOT NULL,
    focus_group_id TEXT NOT NULL REFERENCES focus_groups(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    guide_item INTEGER,
    participant_id TEXT REFERENCES focus_participants(id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX focus_notes_group ON focus_notes(focus_group_id, created_at, id);
