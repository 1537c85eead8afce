-- Sessions know their account, so that a password change or disabling the
-- account ends them, and when they began, for their absolute lifetime. The
-- sessions of before know neither: everyone logs in once more.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN created_at TEXT NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
CREATE INDEX sessions_user ON sessions (user_id);

-- When an API token was last used (to the minute), so that a forgotten one
-- can be seen and revoked.
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
