-- Each entry and nil report carries the region's data version at its last
-- change, and deleted entries leave a row: an app server brings its cached
-- region up to date from what changed since its version, instead of
-- reloading and validating the whole region after every report.
ALTER TABLE entries ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX entries_changed ON entries (region_id, data_version);
ALTER TABLE nil_reports ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX nil_reports_changed ON nil_reports (region_id, data_version);
CREATE TABLE entry_deletions (
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    entry_id BIGINT NOT NULL,
    data_version BIGINT NOT NULL
);
CREATE INDEX entry_deletions_changed ON entry_deletions (region_id, data_version);
