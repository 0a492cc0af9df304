ALTER TABLE patients ADD CONSTRAINT "patients_Ward_not_null" CHECK ( ( "Ward" IS NOT NULL ) ) NOT VALID;
ALTER TABLE patients VALIDATE CONSTRAINT "patients_Ward_not_null";
ALTER TABLE patients ALTER COLUMN "Ward" SET NOT NULL;
