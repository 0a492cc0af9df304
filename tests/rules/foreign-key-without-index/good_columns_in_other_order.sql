-- The foreign key looks rows up by equality on both columns: an index on
-- (line_no, order_id) serves it as well as one on (order_id, line_no).
CREATE TABLE shipments (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL,
    line_no int NOT NULL,
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
);
CREATE INDEX shipments_line_order_idx ON shipments (line_no, order_id);
