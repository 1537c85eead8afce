-- The audit log as a hash chain per region: each record keeps the hash of the
-- previous record's hash and its own canonical text, so a record edited or
-- deleted in the database breaks the chain at that point (`pantau audit verify`).
-- Records written before this migration have no hash and are reported as such.
ALTER TABLE audit_log ADD COLUMN chain_hash TEXT;

-- The last hash of each chain (region id, 0 for records of no region). Writers
-- lock its row while appending, so concurrent appends cannot fork a chain.
CREATE TABLE audit_chain (
    chain_id BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
