-- Spreadsheet imports running in the background, in the database so that
-- any app server can show a job started on another. `state` is running,
-- done or failed; a running job's `updated_at` is its heartbeat: one whose
-- server stopped reads as failed once it is old. `outcome` is the summary of
-- a job done, or the reason a job failed; `detail` the web layer's JSON of
-- the reason (the problems found, the time limit passed). Finished jobs are
-- pruned after a week.
CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    detail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX import_jobs_updated ON import_jobs (updated_at);
