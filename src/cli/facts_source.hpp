#pragma once
// Where table sizes come from for lint and plan: a --stats snapshot, the
// live database (--db), or nowhere (sizes unknown).

#include "commands.hpp"

#include "pgsafe/analysis/table_facts.hpp"

#include "pgsafe/source/migration.hpp"

#include <string>
#include <vector>

namespace pgsafe::cli {

// Throws pgsafe::Error (Usage) when both are given, or the snapshot is bad;
// (Database) when the database cannot be read.
analysis::TableFacts load_table_facts(const std::string& stats_path, const GlobalOptions& global);

// The files migrate would plan on that database: those its tracking tables do
// not record as applied (a table an applied migration created is in the
// facts, not new), in order. `keep`: versions kept whatever their state.
std::vector<source::MigrationFile> not_applied(std::vector<source::MigrationFile> files,
                                               const std::string& conninfo,
                                               const std::vector<std::string>& keep = {});

}  // namespace pgsafe::cli
