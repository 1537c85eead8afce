-- One evidence row per stored file: two records of the same file would show
-- it twice and tie two entries to one upload. An entry saved with its evidence
-- is refused whole when a file is recorded twice.
CREATE UNIQUE INDEX evidence_stored_path ON evidence (stored_path);
