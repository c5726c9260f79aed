-- Coupon codes: uploaded to a pool, or made at a completion (generate mode). A code is
-- issued when a grant takes it; the code is unique across surveys because a cashier redeems
-- it by the code alone.
CREATE TABLE coupons (
    code TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    grant_id TEXT,
    issued_at TIMESTAMP,
    redeemed_at TIMESTAMP
);
-- A survey's codes in the order added (the coupons list). Issuing a code changes none of these
-- columns, so issuing never rewrites this index.
CREATE INDEX coupons_by_survey ON coupons(survey_id, added_at, code);
-- No code goes to two grants. Partial, like the other indexes on columns most rows leave empty
-- for a while: a row enters it only when it gets a value, so writes that leave it empty (an
-- uploaded code, an open-link grant) touch one index page fewer.
CREATE UNIQUE INDEX coupons_grant ON coupons(grant_id) WHERE grant_id IS NOT NULL;
-- A pool issues its oldest free code, ORDER BY added_at, code. This index holds only the free
-- codes in exactly that order, so the next one is its first entry, and it shrinks as the pool
-- is used. Every code of one upload has the same added_at: an index that stopped at added_at
-- would leave the whole upload to be sorted by code for every code issued.
CREATE INDEX coupons_free ON coupons(survey_id, added_at, code) WHERE grant_id IS NULL;

-- One per completion of a coupon survey: the respondent is owed a code until a coupon row
-- points here. The id is also the secret of the open link's claim page. On an anonymous
-- survey answered through a personal link the grant keeps the invitation, never the response.
CREATE TABLE coupon_grants (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys(id),
    response_id TEXT,
    invitation_id TEXT,
    owed_since TIMESTAMP NOT NULL
);
-- One grant per response and per invitation. There is no index by survey: it would cost every
-- completion a page, while only an upload of codes looks for a survey's owed grants.
CREATE UNIQUE INDEX coupon_grants_response ON coupon_grants(response_id) WHERE response_id IS NOT NULL;
CREATE UNIQUE INDEX coupon_grants_invitation ON coupon_grants(invitation_id) WHERE invitation_id IS NOT NULL;

-- A pool's running counts, so issuing a code never counts the pool, and the one low-stock
-- email is sent once.
CREATE TABLE coupon_stock (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    added BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    low_stock_sent_at TIMESTAMP
);

-- The prize draw of a survey: the secret seed and its published commitment, the tickets
-- handed out so far, and once drawn what was drawn.
CREATE TABLE draws (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    seed TEXT NOT NULL,
    commitment TEXT NOT NULL,
    tickets BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    drawn_at TIMESTAMP,
    beacon_value TEXT,
    entrants BIGINT,
    entrants_digest TEXT,
    winners TEXT
);

-- One entry per completion of a prize-draw survey, with the same rule as coupon grants about
-- anonymous surveys.
CREATE TABLE draw_entries (
    survey_id TEXT NOT NULL REFERENCES surveys(id),
    ticket BIGINT NOT NULL,
    receipt TEXT NOT NULL UNIQUE,
    response_id TEXT,
    invitation_id TEXT,
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, ticket)
);
CREATE UNIQUE INDEX draw_entries_response ON draw_entries(response_id) WHERE response_id IS NOT NULL;
CREATE UNIQUE INDEX draw_entries_invitation ON draw_entries(invitation_id) WHERE invitation_id IS NOT NULL;
