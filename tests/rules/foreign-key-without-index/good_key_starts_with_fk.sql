-- The primary key (order_id, line_no) starts with the foreign key's column;
-- the 1:1 profile table's key is the foreign key column itself.
CREATE TABLE order_lines (
    order_id bigint REFERENCES orders (id),
    line_no int,
    PRIMARY KEY (order_id, line_no)
);
CREATE TABLE patient_profiles (
    patient_id bigint PRIMARY KEY REFERENCES patients (id),
    bio text
);
