-- The outbox of reminders and notices. A message is written once (its
-- idempotency key is unique), claimed by one sender at a time (a lease until
-- claimed_until), retried with backoff (next_attempt_at), and kept after it is
-- sent or has failed for good, to be seen.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending, sent or failed.
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- Not worth sending after this (a reminder after its deadline).
    expires_at TIMESTAMPTZ,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until TIMESTAMPTZ,
    claim_token TEXT,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    failed_at TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_region ON outbox (region_id, id);
