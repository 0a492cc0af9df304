#pragma once
// The runner's own sessions: named in pg_stat_activity, so a DBA sees who
// they are, and with standard_conforming_strings on, which the quoting in
// sql_text.hpp relies on. A session that runs only pgsafe's own SQL reads
// the catalog with search_path = pg_catalog, pg_temp: no function, type or
// relation another role made in a schema on the user's path (a
// public.pg_has_role(text, text, text) is a better match for a text
// argument than pg_catalog's) can run in its place, as the role running
// pgsafe, or bend a verdict. The work session keeps the user's search_path,
// which migrations rely on; pgsafe's SQL there names pg_catalog itself.

#include "pgsafe/db/connection.hpp"

#include <string>

namespace pgsafe::runner {

enum class SearchPath {
    Catalog,  // pgsafe's own SQL only: pg_catalog, pg_temp
    Users,    // the work session (and adopt's, which looks tables up as the user names them)
};

db::Connection open_session(const std::string& conninfo, const std::string& application_name,
                            SearchPath search_path = SearchPath::Catalog);

// The statement open_session runs first, as --dry-run shows it.
std::string session_setup_sql(const std::string& application_name, SearchPath search_path);

}  // namespace pgsafe::runner
