-- A program is public once its region's admin publishes it, and stops being
-- public when it is withdrawn (the row is deleted; the audit log keeps the
-- history). Keyed by the program's code rather than its row, so that a plan
-- re-import that recreates the program keeps it published.
CREATE TABLE publications (
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    program_code TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (region_id, program_code)
);
-- The licence of a region's open data; the default (CC BY 4.0) when absent.
CREATE TABLE open_data_licences (
    region_id INTEGER PRIMARY KEY REFERENCES regions(id) ON DELETE CASCADE,
    licence TEXT NOT NULL
);
