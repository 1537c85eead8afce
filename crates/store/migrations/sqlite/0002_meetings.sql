-- Evaluation meetings: one per cluster and period, and one final per program
-- (cluster and period NULL). `scope_key` ("ASDA1/3", "final") makes them
-- unique, since NULLs never collide in a UNIQUE constraint.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES clusters(id),
    period_index INTEGER,
    scope_key TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    -- The frozen minutes (berita acara) as JSON, written when it closes.
    minutes TEXT,
    UNIQUE (program_id, scope_key)
);

-- One note per unit and meeting; saving again replaces it.
CREATE TABLE meeting_notes (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (meeting_id, unit_id)
);

-- An evaluator's status beside the engine's; never written over it.
CREATE TABLE meeting_overrides (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    target_id INTEGER REFERENCES targets(id),
    computed_status TEXT,
    status TEXT NOT NULL,
    justification TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL
);

-- Tindak lanjut: made in a meeting, owned by a unit, marked done by its operator.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    description TEXT NOT NULL,
    due_date TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT,
    done_note TEXT
);
CREATE INDEX follow_ups_region ON follow_ups (region_id, unit_id);
