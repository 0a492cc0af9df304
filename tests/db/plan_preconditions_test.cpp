// Rewrites whose preconditions were assumed, not established, reproduced as
// production deploys them: `pgsafe migrate --to 1` (the earlier file is
// already applied), then `pgsafe migrate` for the second file. The result
// must be psql's: the same catalog and the same rows as running both files
// as written, one statement at a time.

#include "process.hpp"
#include "run_as_written.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <string>
#include <vector>

using pgsafe::test::run_as_written;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

namespace {

std::vector<std::string> lines(const std::string& dsn, const std::string& query) {
    pqxx::connection conn(dsn);
    pqxx::nontransaction tx(conn);
    std::vector<std::string> out;
    for (const auto& row : tx.exec(query)) out.push_back(row[0].is_null() ? "NULL" : row[0].c_str());
    return out;
}

// Relations, columns, constraints (with validity) and indexes of the public schema.
std::vector<std::string> catalog(const std::string& dsn) {
    return lines(dsn, R"(
        SELECT format('relation %s %s', c.relname, c.relkind) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION ALL
        SELECT format('column %s.%s #%s %s not null %s default %s identity %s', c.relname, a.attname, a.attnum,
                      format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid), a.attidentity)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
        UNION ALL
        SELECT format('constraint %s on %s: %s valid %s', co.conname, c.relname, pg_get_constraintdef(co.oid),
                      co.convalidated)
          FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION ALL
        SELECT format('index %s valid %s', pg_get_indexdef(i.indexrelid), i.indisvalid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
        UNION ALL
        SELECT format('sequence %s owned by %s', s.relname, pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid))
          FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
          LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         WHERE n.nspname = 'public' AND s.relkind = 'S'
        ORDER BY 1)");
}

struct TwoFiles {
    std::string schema;  // run before either file (both ways): the tables with rows
    std::string first;
    std::string second;
    std::string data;  // a query whose rows must be the same both ways, or empty
};

// Both files as psql runs them, and as production runs pgsafe (one file per
// run); the catalogs (and data) must be the same and pgsafe must exit 0.
void same_as_psql(const TwoFiles& t) {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    ScratchDatabase plain(*admin);
    ScratchDatabase safe(*admin);
    for (const auto* db : {&plain, &safe}) {
        if (!t.schema.empty()) run_as_written(db->dsn(), t.schema + "\nANALYZE;");
    }
    run_as_written(plain.dsn(), t.first);
    run_as_written(plain.dsn(), t.second);

    TempDir dir;
    dir.write("migrations/V1__first.sql", t.first);
    dir.write("migrations/V2__second.sql", t.second);
    std::string config = dir.write("pgsafe.toml", "");
    std::vector<std::string> base = {"migrate", dir.path() + "/migrations", "--db", safe.dsn(), "--config",
                                     config};
    auto to1 = base;
    to1.insert(to1.end(), {"--to", "1"});
    auto first = pgsafe::test::run_pgsafe(to1);
    INFO("first run: " << first.out << first.err);
    REQUIRE(first.exit_code == 0);
    auto second = pgsafe::test::run_pgsafe(base);
    INFO("second run: " << second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(catalog(safe.dsn()) == catalog(plain.dsn()));
    if (!t.data.empty()) CHECK(lines(safe.dsn(), t.data) == lines(plain.dsn(), t.data));
}

}  // namespace

TEST_CASE("a primary key replaced under the same name applies as psql applies it",
          "[db][plan][preconditions]") {
    same_as_psql(
        {"",
         "CREATE TABLE d (id int PRIMARY KEY, project_id int NOT NULL);\n"
         "INSERT INTO d SELECT g, g % 7 FROM generate_series(1, 2000) g;\n",
         "ALTER TABLE d DROP CONSTRAINT d_pkey, ADD CONSTRAINT d_pkey PRIMARY KEY (id, project_id);\n", ""});
}

TEST_CASE("a primary key on a table renamed earlier applies as psql applies it",
          "[db][plan][preconditions]") {
    same_as_psql({"",
                  "CREATE TABLE d (id int PRIMARY KEY);\nALTER TABLE d RENAME TO d_old;\n"
                  "CREATE TABLE d (id int NOT NULL);\nINSERT INTO d SELECT generate_series(1, 2000);\n",
                  "ALTER TABLE d ADD PRIMARY KEY (id);\n", ""});
}

TEST_CASE("a unique constraint on a column the statement adds applies as psql applies it",
          "[db][plan][preconditions]") {
    same_as_psql({"",
                  "CREATE TABLE c (id int PRIMARY KEY, key text);\n"
                  "INSERT INTO c SELECT g, 'k' || g FROM generate_series(1, 2000) g;\n",
                  "ALTER TABLE c ADD COLUMN user_id integer, ADD CONSTRAINT c_user_id_key_unique UNIQUE "
                  "(user_id, key);\n",
                  ""});
}

TEST_CASE("SET NOT NULL with a primary key on the same column applies as psql applies it",
          "[db][plan][preconditions]") {
    same_as_psql(
        {"", "CREATE TABLE g (id int, v int);\nINSERT INTO g SELECT g, g FROM generate_series(1, 2000) g;\n",
         "ALTER TABLE g ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT g_pkey PRIMARY KEY (id);\n", ""});
}

TEST_CASE("a split transaction block keeps its statements in order", "[db][plan][preconditions]") {
    same_as_psql({"",
                  "CREATE TABLE t (id serial PRIMARY KEY, v int);\n"
                  "INSERT INTO t (v) SELECT generate_series(1, 100);\n",
                  "BEGIN;\nALTER TABLE t ALTER id DROP DEFAULT;\nDROP SEQUENCE t_id_seq;\n"
                  "ALTER TABLE t ALTER id ADD GENERATED ALWAYS AS IDENTITY;\nCOMMIT;\n",
                  ""});
}

TEST_CASE("an UPDATE that reads its own table gives psql's rows", "[db][plan][preconditions]") {
    const std::string seed =
        "CREATE TABLE acct (id bigint PRIMARY KEY, balance bigint NOT NULL);\n"
        "INSERT INTO acct SELECT g, 1 FROM generate_series(1, 50000) g;\n";
    for (const char* change :
         {"UPDATE acct SET balance = balance + (SELECT max(balance) FROM acct);\n",
          "DELETE FROM acct WHERE balance < (SELECT avg(balance) FROM acct) OR id % 2 = 0;\n",
          "UPDATE acct SET balance = balance * 2 + id;\n"}) {
        INFO(change);
        same_as_psql(
            {seed, "SELECT 1;\n", change, "SELECT format('%s %s', id, balance) FROM acct ORDER BY id"});
    }
}

TEST_CASE("statements PostgreSQL refuses in a transaction block run as psql runs them",
          "[db][plan][preconditions]") {
    same_as_psql(
        {"CREATE TABLE acct (id bigint PRIMARY KEY, balance bigint NOT NULL);\n"
         "INSERT INTO acct SELECT g, 1 FROM generate_series(1, 1000) g;\n",
         "SELECT 1;\n", "DISCARD ALL;\nVACUUM acct;\nCREATE TABLE after_vacuum (id int);\n", ""});
}

TEST_CASE("what pgsafe cannot run as psql would is refused before anything runs",
          "[db][plan][preconditions]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    for (const char* second :
         {"CREATE TABLE t2 (id int);\nCOPY t2 (id) FROM stdin;\n", "BEGIN;\nCREATE TABLE t2 (id int);\n",
          "BEGIN;\nCREATE TABLE t2 (id int);\nVACUUM t2;\nCOMMIT;\n"}) {
        INFO(second);
        ScratchDatabase db(*admin);
        TempDir dir;
        dir.write("migrations/V1__first.sql", "CREATE TABLE t1 (id int);\n");
        dir.write("migrations/V2__second.sql", second);
        std::string config = dir.write("pgsafe.toml", "");
        auto r = pgsafe::test::run_pgsafe(
            {"migrate", dir.path() + "/migrations", "--db", db.dsn(), "--config", config});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK((r.out + r.err).find("V2__second.sql") != std::string::npos);
        // Refused in the plan: not even the first file ran.
        CHECK(lines(db.dsn(), "SELECT count(*) FROM pg_class WHERE relname IN ('t1', 't2')") ==
              std::vector<std::string>{"0"});
    }
}

TEST_CASE("a migration that does not parse is refused with its file and line in the JSON result",
          "[db][plan][preconditions]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) return;
    ScratchDatabase db(*admin);
    TempDir dir;
    dir.write("migrations/V1__first.sql", "CREATE TABLE t1 (id int);\n\nCREATE TABLE t2 (id int,);\n");
    std::string config = dir.write("pgsafe.toml", "");
    auto r = pgsafe::test::run_pgsafe(
        {"migrate", dir.path() + "/migrations", "--db", db.dsn(), "--config", config, "--format", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    auto out = nlohmann::json::parse(r.out);
    CHECK(out["status"] == "failed");
    CHECK(out["error"]["location"] == dir.path() + "/migrations/V1__first.sql:3");
    CHECK(out["error"]["migration"] == "1");
}
