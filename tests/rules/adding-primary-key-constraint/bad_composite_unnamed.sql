ALTER TABLE patients ADD PRIMARY KEY (tenant_id, id);
