-- Repeated refusals are summarised, not written one chained row each. The first
-- refusal of an actor for an action and entity opens a window and is chained as
-- usual; further refusals in the window only count here. When the window has
-- closed, the next audit write of the chain appends one chained summary row
-- with the count and zeroes it, so no chained row is ever edited.
CREATE TABLE audit_refusal_counts (
    chain_id BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    -- The chained record that opened the window.
    first_id BIGINT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    -- Refusals after the first that no chained row holds yet.
    more BIGINT NOT NULL,
    PRIMARY KEY (chain_id, actor, action, entity)
);
CREATE INDEX audit_refusal_counts_first ON audit_refusal_counts (first_id);

-- Entries that came in through an import (a bundle or an XLSX entries
-- template), possibly already verified: when they were imported.
ALTER TABLE entries ADD COLUMN imported_at TIMESTAMPTZ;

-- The audit page filters by actor, action and moment.
CREATE INDEX audit_log_region_at ON audit_log (region_id, at);
