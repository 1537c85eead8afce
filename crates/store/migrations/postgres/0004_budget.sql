-- Who entered each budget month and where its review stands: a unit's own
-- figures wait for BPKAD's verification; returned ones do not count.
-- Rows written before this (bundle imports) are taken as verified.
ALTER TABLE budget_months ADD COLUMN status TEXT NOT NULL DEFAULT 'verified';
ALTER TABLE budget_months ADD COLUMN entered_by TEXT;
ALTER TABLE budget_months ADD COLUMN entered_at TIMESTAMPTZ;
ALTER TABLE budget_months ADD COLUMN reviewed_by TEXT;
ALTER TABLE budget_months ADD COLUMN reviewed_at TIMESTAMPTZ;
ALTER TABLE budget_months ADD COLUMN return_reason TEXT;
CREATE INDEX budget_months_status ON budget_months (status);
