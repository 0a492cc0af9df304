-- Since PostgreSQL 11 these are evaluated once and kept in the catalog: no rewrite.
ALTER TABLE measurements
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN recorded_on date DEFAULT CURRENT_DATE,
    ADD COLUMN reviewed_at timestamptz DEFAULT CURRENT_TIMESTAMP - interval '1 day',
    ADD COLUMN status text NOT NULL DEFAULT 'new',
    ADD COLUMN retries integer DEFAULT 2 + 1,
    ADD COLUMN flags jsonb DEFAULT '{}'::jsonb,
    ADD COLUMN tags text[] DEFAULT ARRAY['a', 'b']::text[],
    ADD COLUMN scores double precision[] DEFAULT CAST(ARRAY[] AS double precision[]),
    ADD COLUMN is_active boolean DEFAULT true,
    ADD COLUMN note text DEFAULT NULL,
    ADD COLUMN mood mood DEFAULT 'ok';
