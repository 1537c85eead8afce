-- Evaluation meetings: one per cluster and period, and one final per program
-- (cluster and period NULL). `scope_key` ("ASDA1/3", "final") makes them
-- unique, since NULLs never collide in a UNIQUE constraint.
CREATE TABLE meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    cluster_id BIGINT REFERENCES clusters(id),
    period_index BIGINT,
    scope_key TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TIMESTAMPTZ,
    closed_by TEXT,
    -- The frozen minutes (berita acara) as JSON, written when it closes.
    minutes TEXT,
    UNIQUE (program_id, scope_key)
);

-- One note per unit and meeting; saving again replaces it.
CREATE TABLE meeting_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    UNIQUE (meeting_id, unit_id)
);

-- An evaluator's status beside the engine's; never written over it.
CREATE TABLE meeting_overrides (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    target_id BIGINT REFERENCES targets(id),
    computed_status TEXT,
    status TEXT NOT NULL,
    justification TEXT NOT NULL,
    author TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);

-- Tindak lanjut: made in a meeting, owned by a unit, marked done by its operator.
CREATE TABLE follow_ups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    description TEXT NOT NULL,
    due_date DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ,
    done_by TEXT,
    done_note TEXT
);
CREATE INDEX follow_ups_region ON follow_ups (region_id, unit_id);
