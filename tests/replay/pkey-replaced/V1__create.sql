CREATE TABLE d (id integer NOT NULL, project_id integer NOT NULL, CONSTRAINT d_pkey PRIMARY KEY (id));
