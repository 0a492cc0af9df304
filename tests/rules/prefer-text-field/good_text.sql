CREATE TABLE visits (
    id bigint PRIMARY KEY,
    reason text CHECK (char_length(reason) <= 200),
    note varchar
);
ALTER TABLE patients ADD COLUMN email text;
ALTER TABLE patients ADD CONSTRAINT patients_email_length CHECK (char_length(email) <= 320) NOT VALID;
