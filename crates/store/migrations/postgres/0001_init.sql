-- Pantau's schema on PostgreSQL. Every row belongs to a region; decimals are kept
-- as exact decimal text, money as whole rupiah integers, moments as timestamptz.
CREATE TABLE regions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    budget_flag_margin TEXT,
    -- Bumped by every change the engine reads, so that each app server knows
    -- when its cached model is stale: the plan (imports, admin edits) ...
    plan_version BIGINT NOT NULL DEFAULT 0,
    -- ... and the reports (entries, reviews, nil reports).
    data_version BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE clusters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE units (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    cluster_id BIGINT REFERENCES clusters(id),
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE priorities (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE programs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    timezone TEXT,
    evaluation_weekday TEXT,
    deadline_time TEXT,
    final_deadline TIMESTAMPTZ,
    on_track TEXT,
    at_risk TEXT,
    position INTEGER NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE targets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    priority_id BIGINT REFERENCES priorities(id),
    name TEXT NOT NULL,
    measure TEXT,
    kind TEXT NOT NULL,
    polarity TEXT NOT NULL,
    baseline TEXT,
    target TEXT,
    due DATE,
    plan TEXT,
    position INTEGER NOT NULL,
    UNIQUE (program_id, code)
);

CREATE TABLE entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    activity_date DATE NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    value TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    return_reason TEXT,
    created_by BIGINT,
    reviewed_by BIGINT,
    reviewed_at TIMESTAMPTZ
);
CREATE INDEX entries_target ON entries (target_id);

CREATE TABLE nil_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    date DATE NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    reason TEXT,
    created_by BIGINT
);
CREATE INDEX nil_reports_program ON nil_reports (program_id);

CREATE TABLE budgets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    pagu BIGINT NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE budget_months (
    budget_id BIGINT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
    month INTEGER NOT NULL,
    planned BIGINT NOT NULL,
    realised BIGINT NOT NULL,
    physical_pct TEXT,
    PRIMARY KEY (budget_id, month)
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Clusters an evaluator (Asda) evaluates.
CREATE TABLE user_clusters (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cluster_id BIGINT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, cluster_id)
);

-- Append-only: the store offers no update or delete of these rows.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT REFERENCES regions(id) ON DELETE SET NULL,
    at TIMESTAMPTZ NOT NULL,
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
    expires_at TIMESTAMPTZ NOT NULL
);

-- Evidence files of entries; the files live outside any web root.
CREATE TABLE evidence (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    stored_path TEXT NOT NULL
);

-- API tokens for machine clients; only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
