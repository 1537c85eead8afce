-- Exchange between levels (issue 14): a province's or the nation's server
-- receives complete snapshots of its kab/kota; a kab/kota's server queues
-- its pushes until they are delivered.

-- Receiver: the regions below this server that may push to it, registered
-- by its admin (a sender never creates a region code), with the SHA-256 of
-- the token each pushes with and the moment of its last accepted push.
CREATE TABLE sync_regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    last_push_at TIMESTAMP,
    last_program TEXT
);

-- Receiver: every accepted push by its Idempotency-Key, with the SHA-256 of
-- its body and the answer given, so a retried push is answered again
-- without being applied twice.
CREATE TABLE sync_receipts (
    idempotency_key TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    program_code TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    answer TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- Sender: snapshots waiting for delivery, one per receiver, region and
-- program (a newer one replaces an undelivered older one).
CREATE TABLE sync_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    token TEXT NOT NULL,
    region_code TEXT NOT NULL,
    program_code TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    delivered_at TIMESTAMP,
    answer TEXT
);
CREATE INDEX sync_queue_waiting ON sync_queue (delivered_at, next_attempt_at);
