// Replacing the database of a connection string: how each db test gets a
// database of its own and how a scratch server hands out one URL per database.

#include "pgsafe/db/conninfo.hpp"

#include <catch2/catch.hpp>

using pgsafe::db::conninfo_with_database;

TEST_CASE("conninfo_with_database replaces the database of URLs and key=value strings", "[conninfo]") {
    CHECK(conninfo_with_database("postgresql://postgres@127.0.0.1:5432/postgres", "t1") ==
          "postgresql://postgres@127.0.0.1:5432/t1");
    CHECK(conninfo_with_database("postgresql://postgres@127.0.0.1:5432", "t1") ==
          "postgresql://postgres@127.0.0.1:5432/t1");
    CHECK(conninfo_with_database("postgres://u:p@host/db?sslmode=disable&connect_timeout=5", "t1") ==
          "postgres://u:p@host/t1?sslmode=disable&connect_timeout=5");
    CHECK(conninfo_with_database("postgresql://host?dbname=other&sslmode=disable", "t1") ==
          "postgresql://host/t1?sslmode=disable");
    CHECK(conninfo_with_database("postgresql://[::1]:5433/db?dbname=x", "t1") ==
          "postgresql://[::1]:5433/t1");
    CHECK(conninfo_with_database("host=/tmp port=5432 dbname=postgres", "t1") ==
          "host=/tmp port=5432 dbname=postgres dbname=t1");
    CHECK(conninfo_with_database("", "t1") == "dbname=t1");
}
