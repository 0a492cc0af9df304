#pragma once
// Table facts and planning for the plan unit tests: a large table with a
// bigint primary key whose facts are all known (no triggers, rules,
// generated columns or hidden columns), and files planned in one run as
// `pgsafe migrate` plans them.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/plan/plan.hpp"

#include <map>
#include <string>
#include <vector>

namespace pgsafe::test {

// 5 M rows, 800 MB, primary key `<name>_pkey` on (id) of `key_type` ("" for a type the facts
// do not know), every batching fact known and empty, and its only constraint the primary key.
analysis::TableFact large_table(const std::string& name, const std::string& key_type = "bigint");

// Each file planned in order by one planner over `tables` (search path "public") and the
// schemas' other names (none unless given, as a live database with none says); versions 1, 2, …
std::vector<plan::MigrationPlan> plan_files(const std::vector<std::string>& files,
                                            std::vector<analysis::TableFact> tables = {},
                                            std::map<std::string, analysis::SchemaNames> other_names = {});
plan::MigrationPlan plan_one(const std::string& text, std::vector<analysis::TableFact> tables = {});
plan::MigrationPlan plan_one(const std::string& text, const analysis::TableFact& table);

}  // namespace pgsafe::test
