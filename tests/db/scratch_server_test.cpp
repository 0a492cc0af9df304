// The scratch PostgreSQL that scripts/test starts works, and each test gets
// a database of its own that is gone afterwards: the ground every db test
// stands on.

#include "test_db.hpp"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include <optional>
#include <string>

using pgsafe::test::dsn_with_database;

namespace {

int database_count(const std::string& admin_dsn, const std::string& name) {
    pqxx::connection connection(admin_dsn);
    pqxx::work work(connection);
    return work.exec1("SELECT count(*) FROM pg_database WHERE datname = " + work.quote(name))[0].as<int>();
}

}  // namespace

TEST_CASE("the scratch server is PostgreSQL 15 and answers queries", "[db]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) {
        return;
    }
    pqxx::connection connection(*admin);
    pqxx::work work(connection);
    CHECK(work.exec1("SELECT current_setting('server_version_num')::int / 10000")[0].as<int>() == 15);
    CHECK(work.exec1("SELECT 6 * 7")[0].as<int>() == 42);
}

TEST_CASE("a scratch database is created, holds data, and is dropped", "[db]") {
    auto admin = pgsafe::test::admin_dsn();
    if (!admin) {
        return;
    }
    std::string name;
    std::optional<pqxx::connection> left_open;  // outlives the database: the drop must not wait for it
    {
        pgsafe::test::ScratchDatabase db(*admin);
        name = db.name();
        CHECK_THAT(name, Catch::StartsWith("pgsafe_test_"));
        CHECK(database_count(*admin, name) == 1);

        pqxx::work work(left_open.emplace(db.dsn()));
        CHECK(work.exec1("SELECT current_database()")[0].as<std::string>() == name);
        work.exec0("CREATE TABLE measurements (id bigint PRIMARY KEY, value double precision NOT NULL)");
        work.exec0("INSERT INTO measurements SELECT g, g * 0.5 FROM generate_series(1, 100) g");
        CHECK(work.exec1("SELECT count(*), sum(value) FROM measurements")[0].as<int>() == 100);
        CHECK(work.exec1("SELECT sum(value) FROM measurements")[0].as<double>() == Approx(2525.0));
        work.commit();
    }
    CHECK(database_count(*admin, name) == 0);
}

TEST_CASE("scratch databases are separate", "[db]") {
    auto first = pgsafe::test::scratch_database();
    if (!first) {
        return;
    }
    auto second = pgsafe::test::scratch_database();
    REQUIRE(second);
    CHECK(first->name() != second->name());

    pqxx::connection one(first->dsn());
    pqxx::nontransaction(one).exec0("CREATE TABLE only_in_first (id int)");
    pqxx::connection two(second->dsn());
    pqxx::nontransaction work(two);
    CHECK(work.exec1("SELECT count(*) FROM pg_class WHERE relname = 'only_in_first'")[0].as<int>() == 0);
}

TEST_CASE("dsn_with_database replaces the database of URLs and key=value strings", "[db]") {
    CHECK(dsn_with_database("postgresql://postgres@127.0.0.1:5432/postgres", "t1") ==
          "postgresql://postgres@127.0.0.1:5432/t1");
    CHECK(dsn_with_database("postgresql://postgres@127.0.0.1:5432", "t1") ==
          "postgresql://postgres@127.0.0.1:5432/t1");
    CHECK(dsn_with_database("postgres://u:p@host/db?sslmode=disable&connect_timeout=5", "t1") ==
          "postgres://u:p@host/t1?sslmode=disable&connect_timeout=5");
    CHECK(dsn_with_database("postgresql://host?dbname=other&sslmode=disable", "t1") ==
          "postgresql://host/t1?sslmode=disable");
    CHECK(dsn_with_database("postgresql://[::1]:5433/db?dbname=x", "t1") == "postgresql://[::1]:5433/t1");
    CHECK(dsn_with_database("host=/tmp port=5432 dbname=postgres", "t1") ==
          "host=/tmp port=5432 dbname=postgres dbname=t1");
    CHECK(dsn_with_database("", "t1") == "dbname=t1");
}
