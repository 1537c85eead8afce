-- Throttling of log-ins (and of password-reset requests), kept in the
-- database so that it holds across app servers. One row per kind, account and
-- client address: `account` is the name typed, trimmed and lowercased (known
-- or not); `address` is the web layer's key of the client (an IPv4 address or
-- an IPv6 /64). `failures` counts failed attempts since the last success, or
-- since the count was last forgotten; `last_success_at` remembers an address
-- the account logged in from. Rows are pruned as failures are recorded.
CREATE TABLE login_throttle (
    -- login or reset.
    kind TEXT NOT NULL,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT,
    last_success_at TEXT,
    touched_at TEXT NOT NULL,
    PRIMARY KEY (kind, account, address)
);
CREATE INDEX login_throttle_address ON login_throttle (kind, address);
CREATE INDEX login_throttle_touched ON login_throttle (touched_at);
