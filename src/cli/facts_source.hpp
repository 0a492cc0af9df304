#pragma once
// Where table sizes come from for lint and plan: a --stats snapshot, the
// live database (--db), or nowhere (sizes unknown).

#include "commands.hpp"

#include "pgsafe/analysis/table_facts.hpp"

#include <string>

namespace pgsafe::cli {

// Throws pgsafe::Error (Usage) when both are given, or the snapshot is bad;
// (Database) when the database cannot be read.
analysis::TableFacts load_table_facts(const std::string& stats_path, const GlobalOptions& global);

}  // namespace pgsafe::cli
