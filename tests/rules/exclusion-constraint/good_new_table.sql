CREATE TABLE rooms (id bigint, during tstzrange, EXCLUDE USING gist (id WITH =, during WITH &&));
CREATE TABLE slots (id bigint, during tstzrange);
ALTER TABLE slots ADD CONSTRAINT slots_no_overlap EXCLUDE USING gist (during WITH &&);
