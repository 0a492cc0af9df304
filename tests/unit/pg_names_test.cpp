// PostgreSQL's names for unnamed objects: a plan that names a constraint
// differently from PostgreSQL would leave a different schema behind.

#include "pgsafe/sql/pg_names.hpp"
#include "pgsafe/sql/edit.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe::sql;

TEST_CASE("make_object_name joins and truncates like makeObjectName", "[plan][names]") {
    CHECK(make_object_name("measurements", "patient_id", "fkey") == "measurements_patient_id_fkey");
    CHECK(make_object_name("events", "", "pkey") == "events_pkey");
    // 63 bytes at most, the longer part shortened first.
    std::string table(40, 't');
    std::string column(40, 'c');
    std::string name = make_object_name(table, column, "fkey");
    CHECK(name.size() == 63);
    CHECK(name == std::string(29, 't') + "_" + std::string(28, 'c') + "_fkey");
    // A multi-byte character is never cut in half.
    std::string wide;
    for (int i = 0; i < 40; ++i) wide += "\xc3\xa9";  // é
    std::string clipped = make_object_name(wide, "", "check");
    CHECK(clipped.size() <= 63);
    CHECK(clipped.substr(clipped.size() - 6) == "_check");
    CHECK((static_cast<unsigned char>(clipped[clipped.size() - 7]) & 0xC0) != 0xC0);
}

TEST_CASE("name_addition joins column names and stops past the name limit", "[plan][names]") {
    CHECK(name_addition({"a", "b", "c"}) == "a_b_c");
    std::string long_name(60, 'x');
    CHECK(name_addition({long_name, long_name, "z"}) == long_name + "_" + long_name);
}

TEST_CASE("unnamed constraints and indexes get PostgreSQL's names", "[plan][names]") {
    auto name_of_constraint = [](const std::string& sql) {
        ParsedFile f = parse_sql(sql);
        return StatementEdit(f, f.statements.at(0)).constraint_name(0);
    };
    CHECK(name_of_constraint("ALTER TABLE m ADD FOREIGN KEY (a, b) REFERENCES p") == "m_a_b_fkey");
    CHECK(name_of_constraint("ALTER TABLE m ADD CHECK (a > 0 AND a < 10)") == "m_a_check");
    CHECK(name_of_constraint("ALTER TABLE m ADD CHECK (a < b)") == "m_check");
    CHECK(name_of_constraint("ALTER TABLE m ADD UNIQUE (a, b)") == "m_a_b_key");
    CHECK(name_of_constraint("ALTER TABLE m ADD PRIMARY KEY (a)") == "m_pkey");
    CHECK(name_of_constraint("ALTER TABLE m ADD CONSTRAINT keep_me CHECK (a > 0)") == "keep_me");

    auto name_of_index = [](const std::string& sql) {
        ParsedFile f = parse_sql(sql);
        return StatementEdit(f, f.statements.at(0)).index_name();
    };
    CHECK(name_of_index("CREATE INDEX ON m (a)") == "m_a_idx");
    CHECK(name_of_index("CREATE UNIQUE INDEX ON m (a, b)") == "m_a_b_idx");
    CHECK(name_of_index("CREATE INDEX ON m (lower(a), (b + 1))") == "m_lower_expr_idx");
    CHECK(name_of_index("CREATE INDEX ON m ((a::text), a)") == "m_a_a1_idx");
    CHECK(name_of_index("CREATE INDEX ON m (CAST(1 AS int4))") == "m_int4_idx");
}

TEST_CASE("a rewrite whose deparse would change the statement is refused", "[plan][names]") {
    // libpg_query's deparser drops NULLS NOT DISTINCT from an ADD CONSTRAINT.
    ParsedFile f = parse_sql("ALTER TABLE m ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (a)");
    StatementEdit edit(f, f.statements.at(0));
    CHECK_FALSE(edit.sql().has_value());
    // Names the deparser leaves bare are quoted, and the check proves the result.
    ParsedFile g =
        parse_sql("ALTER TABLE \"User\" ADD CONSTRAINT \"User_x_fkey\" FOREIGN KEY (x) REFERENCES p");
    StatementEdit fk(g, g.statements.at(0));
    fk.make_not_valid(0, "User_x_fkey");
    CHECK(fk.sql() ==
          "ALTER TABLE \"User\" ADD CONSTRAINT \"User_x_fkey\" FOREIGN KEY (x) REFERENCES p NOT VALID");
}
