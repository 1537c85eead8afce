-- Pantau's schema on SQLite. Every row belongs to a region; decimals are kept
-- as exact decimal text, money as whole rupiah integers, moments as UTC text.
CREATE TABLE regions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    budget_flag_margin TEXT,
    -- Bumped by every change the engine reads, so that each app server knows
    -- when its cached model is stale: the plan (imports, admin edits) ...
    plan_version INTEGER NOT NULL DEFAULT 0,
    -- ... and the reports (entries, reviews, nil reports).
    data_version INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    cluster_id INTEGER REFERENCES clusters(id),
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE priorities (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    timezone TEXT,
    evaluation_weekday TEXT,
    deadline_time TEXT,
    final_deadline TEXT,
    on_track TEXT,
    at_risk TEXT,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    priority_id INTEGER REFERENCES priorities(id),
    name TEXT NOT NULL,
    measure TEXT,
    kind TEXT NOT NULL,
    polarity TEXT NOT NULL,
    baseline TEXT,
    target TEXT,
    due TEXT,
    plan TEXT,
    position INTEGER NOT NULL,
    UNIQUE (program_id, code)
);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    activity_date TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    value TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    return_reason TEXT,
    created_by INTEGER,
    reviewed_by INTEGER,
    reviewed_at TEXT
);
CREATE INDEX entries_target ON entries (target_id);

CREATE TABLE nil_reports (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id INTEGER NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    date TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    reason TEXT,
    created_by INTEGER
);
CREATE INDEX nil_reports_program ON nil_reports (program_id);

CREATE TABLE budgets (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    pagu INTEGER NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE budget_months (
    budget_id INTEGER NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
    month INTEGER NOT NULL,
    planned INTEGER NOT NULL,
    realised INTEGER NOT NULL,
    physical_pct TEXT,
    PRIMARY KEY (budget_id, month)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Clusters an evaluator (Asda) evaluates.
CREATE TABLE user_clusters (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, cluster_id)
);

-- Append-only: the store offers no update or delete of these rows.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    region_id INTEGER REFERENCES regions(id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX audit_log_region ON audit_log (region_id, id);

-- Server-side sessions (tower-sessions records as JSON).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Evidence files of entries; the files live outside any web root.
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    stored_path TEXT NOT NULL
);

-- API tokens for machine clients; only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
