-- The berita acara as a document: a number from a pattern set per region and
-- a sequence per region and year (assigned when the meeting closes, never
-- given twice), and the attendance recorded in the meeting.
CREATE TABLE document_patterns (
    region_id BIGINT PRIMARY KEY REFERENCES regions(id) ON DELETE CASCADE,
    pattern TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The last number given in a region's year; only ever goes up.
CREATE TABLE document_sequences (
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (region_id, year)
);

ALTER TABLE meetings ADD COLUMN document_number TEXT;
CREATE UNIQUE INDEX meetings_document_number ON meetings (region_id, document_number);

-- Who attended: in the order recorded, present or absent.
CREATE TABLE meeting_attendance (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    office TEXT NOT NULL,
    present BOOLEAN NOT NULL,
    UNIQUE (meeting_id, position)
);
