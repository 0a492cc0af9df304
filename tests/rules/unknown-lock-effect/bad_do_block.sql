-- pgsafe reads PL/pgSQL only: what a block in another language locks is unknown.
DO LANGUAGE plpython3u $$
plpy.execute("ALTER TABLE measurements ADD CONSTRAINT measurements_patient_fk FOREIGN KEY (patient_id) REFERENCES patients (id)")
$$;
