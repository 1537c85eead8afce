-- Who holds an account: the full name (as on official documents, beside the
-- shorter display name) and the civil servant number (NIP, 18 digits). Both
-- optional: accounts made before this have neither.
ALTER TABLE users ADD COLUMN full_name TEXT;
ALTER TABLE users ADD COLUMN nip TEXT;
