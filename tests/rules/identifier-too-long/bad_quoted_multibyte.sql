-- 67 characters, 72 bytes: cut to 62 bytes, before the "Ä" that straddles byte 63.
ALTER TABLE patients ADD COLUMN "Überweisungsdiagnose_Überprüfungsergebnis_Notizfelder_für_Ärztinnen" text;
