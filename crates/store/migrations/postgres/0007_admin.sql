-- The region's identity for its documents and log-in page: the place its
-- documents are signed in ("Bekasi") and its logo (a checked PNG).
ALTER TABLE regions ADD COLUMN place TEXT;
ALTER TABLE regions ADD COLUMN logo_png BYTEA;

-- One-time password reset links: only a SHA-256 of each token is kept; a link
-- is refused once used or after it expires.
CREATE TABLE password_resets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

-- Plan items archived instead of deleted: they leave the forms' choices but
-- keep their history (reports, meetings, evaluations).
ALTER TABLE clusters ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE units ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE priorities ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE programs ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE targets ADD COLUMN archived BOOLEAN NOT NULL DEFAULT FALSE;
