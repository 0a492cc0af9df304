#pragma once
// Getting a scratch database ready for `pgsafe trace`: production's schema
// without its data (--schema-from: pg_dump --schema-only, loaded here), the
// versions already applied there, and generated rows (--seed-rows N).

#include "pgsafe/db/connection.hpp"

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::trace {

// Runs `pg_dump --schema-only` (next to the server programs, else on PATH)
// against `source_url` and loads its output into `target`. pgsafe's own
// tracking schema is left out. Throws pgsafe::Error (Database) with
// pg_dump's message when it fails, (Usage) when pg_dump is missing.
void copy_schema(const std::string& source_url, db::Connection& target);

// The versions recorded as applied in `source`'s pgsafe.migrations; empty
// when it has no such table.
std::set<std::string> applied_versions(db::Connection& source);

// Fills every table of the user schemas with `rows` rows made from the
// column types: integers and numerics count up from 1, text is 'v' || n
// (cut to a varchar's length), booleans alternate, times step by a minute
// from 2020-01-01, uuid is md5(n), json '{}', an enum takes its labels in
// turn; columns of other types get their default (NULL without one).
// Generated and always-identity columns are left to the server. A foreign
// key to a table filled the same way holds (1..N on both sides: tables are
// retried after the ones they reference). A table whose constraints refuse
// such rows (a CHECK they fail, NOT NULL on a type without a generator, a
// UNIQUE boolean) is left empty, with a warning naming it.
struct SeedResult {
    std::vector<std::string> filled;      // "schema.table", quoted as needed
    std::vector<std::string> left_empty;  // with a warning each
};
SeedResult seed_rows(db::Connection& connection, long rows);

}  // namespace pgsafe::trace
