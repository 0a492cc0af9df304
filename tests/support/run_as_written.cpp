// The db tests' `psql -f`: the statements of a file, one at a time.

#include "run_as_written.hpp"

#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

namespace pgsafe::test {

void run_as_written(pqxx::connection& conn, const std::string& text) {
    sql::ParsedFile parsed = sql::parse_sql(text, {sql::KeepTree::No});
    REQUIRE(parsed.ok());
    pqxx::nontransaction tx(conn);
    for (const auto& s : parsed.statements) tx.exec(text.substr(s.span.begin, s.span.end - s.span.begin));
}

void run_as_written(const std::string& dsn, const std::string& text) {
    pqxx::connection conn(dsn);
    run_as_written(conn, text);
}

}  // namespace pgsafe::test
