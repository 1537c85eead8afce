-- The region's identity for its documents and log-in page: the place its
-- documents are signed in ("Bekasi") and its logo (a checked PNG).
ALTER TABLE regions ADD COLUMN place TEXT;
ALTER TABLE regions ADD COLUMN logo_png BLOB;

-- One-time password reset links: only a SHA-256 of each token is kept; a link
-- is refused once used or after it expires.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
