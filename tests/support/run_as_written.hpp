#pragma once
// SQL text run as `psql -f` runs a file: statement by statement on one
// session, in autocommit unless the text itself says BEGIN (so a DO block
// that commits, as --emit-sql's batch block does, runs as it would there).
// The text must parse (REQUIRE).

#include <pqxx/pqxx>

#include <string>

namespace pgsafe::test {

void run_as_written(pqxx::connection& conn, const std::string& text);
// On a new session of `dsn`.
void run_as_written(const std::string& dsn, const std::string& text);

}  // namespace pgsafe::test
