-- The complaint log: one row per complaint, every field of the complaint record a column.
-- `contact_id` links the customer to a contact with the same email, so the contact's
-- subject-access export and erasure cover the complaint. `reminded_for` is the follow-up time
-- for which the owner was emailed: a new follow-up time earns a new email, the same one never
-- a second.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    customer_name TEXT NOT NULL,
    customer_address TEXT,
    customer_phone TEXT,
    customer_email TEXT,
    contact_id TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    received_by TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    received_at TIMESTAMP NOT NULL,
    channel TEXT,
    category TEXT NOT NULL,
    nature TEXT NOT NULL,
    agreed_solution TEXT,
    solved_on_spot BOOLEAN NOT NULL,
    promised_at TIMESTAMP,
    steps_taken TEXT,
    follow_up_at TIMESTAMP,
    followed_up_at TIMESTAMP,
    customer_satisfied BOOLEAN,
    compensation TEXT,
    prevention TEXT,
    resolved_at TIMESTAMP,
    status TEXT NOT NULL,
    reminded_for TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The list, newest first.
CREATE INDEX complaints_received ON complaints(received_at, id);
-- Follow-ups not yet done, by when they fall due: the reminder loop reads the front of it.
CREATE INDEX complaints_follow_up ON complaints(follow_up_at) WHERE followed_up_at IS NULL;
CREATE INDEX complaints_contact ON complaints(contact_id) WHERE contact_id IS NOT NULL;

-- Every change to a complaint: who, when, and each field's value before and after (JSON).
CREATE TABLE complaint_changes (
    complaint_id TEXT NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_user TEXT,
    by_name TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (complaint_id, seq)
);
