-- The index is built with NULLS NOT DISTINCT; the constraint made from it keeps that.
ALTER TABLE devices ADD CONSTRAINT devices_model_key UNIQUE NULLS NOT DISTINCT (model);
