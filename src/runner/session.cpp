// Opening a runner session.

#include "session.hpp"

#include "sql_text.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {

std::string session_setup_sql(const std::string& application_name, SearchPath search_path) {
    // pg_temp named last: functions and operators are then never looked up in it.
    return fmt::format("SET application_name = {}; SET standard_conforming_strings = on;{}",
                       literal(application_name),
                       search_path == SearchPath::Catalog ? " SET search_path = pg_catalog, pg_temp;" : "");
}

db::Connection open_session(const std::string& conninfo, const std::string& application_name,
                            SearchPath search_path) {
    return db::Connection(conninfo, session_setup_sql(application_name, search_path) + "\n");
}

}  // namespace pgsafe::runner
