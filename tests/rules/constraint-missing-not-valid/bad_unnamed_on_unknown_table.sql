-- billing.invoices is not in the stats: unknown size counts as large.
ALTER TABLE billing.invoices ADD CHECK (total_cents >= 0), ADD COLUMN note text;
