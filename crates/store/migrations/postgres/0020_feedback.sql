-- Citizen feedback (masukan warga) on a published target or unit, and the
-- region's holidays that its working-day deadlines count around.

-- The days a region's offices are closed besides weekends. Until the admin
-- edits them (`holidays_edited`), a region reads the national list built
-- into Pantau.
CREATE TABLE region_holidays (
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    name TEXT NOT NULL,
    -- national, cuti_bersama or regional.
    kind TEXT NOT NULL,
    PRIMARY KEY (region_id, day)
);
ALTER TABLE regions ADD COLUMN holidays_edited BOOLEAN NOT NULL DEFAULT FALSE;

-- One case. The plan is named by codes, not row ids: a case outlives a plan
-- reimport. The sender's name, contact and address key are personal data,
-- erased after the retention period (`personal_erased_at`).
CREATE TABLE feedback (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    tracking_code TEXT NOT NULL UNIQUE,
    program_code TEXT NOT NULL,
    -- NULL: about the unit as a whole.
    target_code TEXT,
    unit_code TEXT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    sender_name TEXT,
    sender_contact TEXT,
    anonymous BOOLEAN NOT NULL,
    confidential BOOLEAN NOT NULL,
    photo_key TEXT,
    photo_type TEXT,
    -- A hash of the sender's address, for the rate limits only.
    address_key TEXT,
    state TEXT NOT NULL,
    state_since TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    dispatched_unit TEXT,
    answer TEXT,
    answered_at TIMESTAMPTZ,
    personal_erased_at TIMESTAMPTZ
);
CREATE INDEX feedback_region_state ON feedback (region_id, state);
CREATE INDEX feedback_region_received ON feedback (region_id, received_at);

-- Every step a case took, in order: who, what, from which state to which.
CREATE TABLE feedback_steps (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feedback_id BIGINT NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    party TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    text TEXT
);
CREATE INDEX feedback_steps_case ON feedback_steps (feedback_id, id);
