CREATE TABLE order_lines (order_id bigint REFERENCES orders (id), line_no int, PRIMARY KEY (order_id, line_no));
