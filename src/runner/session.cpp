// Opening a runner session.

#include "session.hpp"

#include "sql_text.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {

std::string session_setup_sql(const std::string& application_name) {
    return fmt::format("SET application_name = {}; SET standard_conforming_strings = on;",
                       literal(application_name));
}

db::Connection open_session(const std::string& conninfo, const std::string& application_name) {
    return db::Connection(conninfo, session_setup_sql(application_name) + "\n");
}

}  // namespace pgsafe::runner
