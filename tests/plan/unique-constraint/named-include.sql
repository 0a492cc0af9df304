ALTER TABLE devices ADD CONSTRAINT devices_vendor_model_key UNIQUE (vendor, model) INCLUDE (serial);
