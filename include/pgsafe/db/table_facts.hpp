#pragma once
// Table facts from a live database: the statistics PostgreSQL keeps
// (pg_class.reltuples, pg_total_relation_size) and the indexes, for every
// table, partitioned table and materialized view outside the system schemas,
// with the connection's search path. `lint --db` and `stats export` share it.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/db/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::db {

// Read-only; waits at most a few seconds for a table lock (sizes take
// ACCESS SHARE), so a migration holding ACCESS EXCLUSIVE makes it fail fast
// (pgsafe::Error LockTimeout) instead of hanging. Throws pgsafe::Error.
analysis::TableFacts load_table_facts(Connection& connection);
// The same for the tables of one schema only.
analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema);

// Whose search path the facts carry (and the read runs under): the
// connection's as it is now, or the one it started with (its default), for a
// session of pgsafe's own whose search_path is pg_catalog's alone but that
// reads for the work session (runner/session.hpp).
enum class FactsSearchPath { Current, SessionDefault };
analysis::TableFacts load_table_facts(Connection& connection, const std::optional<std::string>& schema,
                                      FactsSearchPath search_path);

// A glance at the schemas a facts read covers (all but the system's, or
// `schema` alone), in one statement that plans in a fraction of a millisecond:
// the search path the facts would carry, whether any relation or constraint
// is there at all (none: the facts are empty), and whether a partitioned
// table is.
struct CatalogGlance {
    std::vector<std::string> search_path;
    bool holds_names = false;
    bool holds_partitioned_table = false;
};
CatalogGlance glance_at_catalog(Connection& connection, const std::optional<std::string>& schema,
                                FactsSearchPath search_path);
// The same glance in two halves, for a message that also does something
// else first: its statements (the answer is the last one's row, read-only
// in a transaction of their own, after whatever precedes them in the
// message), and the glance from that row.
std::string catalog_glance_sql(Connection& connection, const std::optional<std::string>& schema,
                               FactsSearchPath search_path);
CatalogGlance catalog_glance(const Connection::Row& row);

}  // namespace pgsafe::db
