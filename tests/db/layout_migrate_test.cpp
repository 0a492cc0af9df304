// `pgsafe migrate` on a goose folder against a real PostgreSQL: only the Up
// sections run, a NO TRANSACTION file's CONCURRENTLY index is built valid,
// a second run applies nothing, and editing a Down section is not drift.

#include "process.hpp"
#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <string>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

namespace {

const char* k_goose_index = R"(-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY items_name ON items (name);
-- +goose Down
DROP TABLE items;
)";

int count(pqxx::work& tx, const std::string& query) {
    return tx.exec1(query)[0].as<int>();
}

}  // namespace

TEST_CASE("migrate of a goose folder runs the Up sections only, and a second run applies nothing",
          "[db][layout]") {
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    dir.write("00001_init.sql",
              "-- +goose Up\nCREATE TABLE items (id bigint PRIMARY KEY, name text);\n"
              "-- +goose Down\nDROP TABLE items;\n");
    dir.write("00002_index.sql", k_goose_index);
    auto r = run_pgsafe({"migrate", dir.path(), "--db", db->dsn()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    pqxx::connection conn(db->dsn());
    pqxx::work tx(conn);
    CHECK(count(tx, "SELECT count(*) FROM pg_class WHERE relname = 'items'") == 1);
    CHECK(count(tx,
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = 'items_name' AND i.indisvalid") == 1);
    CHECK(count(tx, "SELECT count(*) FROM pgsafe.migrations WHERE state = 'applied'") == 2);
    tx.commit();

    auto again = run_pgsafe({"migrate", dir.path(), "--db", db->dsn(), "--format", "json"});
    CHECK(again.exit_code == 0);
    // Editing the Down section is not drift.
    dir.write("00001_init.sql",
              "-- +goose Up\nCREATE TABLE items (id bigint PRIMARY KEY, name text);\n"
              "-- +goose Down\nDROP TABLE IF EXISTS items;\n");
    auto status = run_pgsafe({"status", dir.path(), "--db", db->dsn(), "--exit-code"});
    INFO(status.out << status.err);
    CHECK(status.exit_code == 0);
}
