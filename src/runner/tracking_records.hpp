#pragma once
// What tracking.cpp (the schema, and reading it back) needs of
// tracking_records.cpp (the records the schema holds, tracking.hpp).

#include "tracking.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace pgsafe::runner {

// `j` as the tracking tables store it, on one line. Migration SQL is bytes;
// invalid UTF-8 must not stop the record being written.
std::string dump(const nlohmann::json& j);

// A row of pgsafe.migrations with its steps, as load_tracking's query gives
// it. Throws pgsafe::Error: Usage for a record newer than this pgsafe knows,
// Database for one it cannot read (edited by hand, or a bug).
TrackedMigration migration_from_json(const nlohmann::json& j);

}  // namespace pgsafe::runner
