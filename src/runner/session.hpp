#pragma once
// The runner's own sessions: named in pg_stat_activity, so a DBA sees who
// they are, and with standard_conforming_strings on, which the quoting in
// sql_text.hpp relies on.

#include "pgsafe/db/connection.hpp"

#include <string>

namespace pgsafe::runner {

db::Connection open_session(const std::string& conninfo, const std::string& application_name);

// The statement open_session runs first, as --dry-run shows it.
std::string session_setup_sql(const std::string& application_name);

}  // namespace pgsafe::runner
