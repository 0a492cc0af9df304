#pragma once
// What a lint run is told: thresholds, severities and exclusions from the
// configuration, the target PostgreSQL version, and who runs the migrations.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"

#include <map>
#include <set>
#include <string>

namespace pgsafe::rules {

enum class Runner {
    Pgsafe,    // pgsafe migrate sets lock and statement timeouts itself
    External,  // another tool runs the files: timeouts must be in the SQL
};

struct LintOptions {
    analysis::Thresholds thresholds;
    std::map<std::string, Severity> severities;  // rule name -> severity override
    std::set<std::string> excluded;              // rule names turned off
    std::set<std::string> included;              // rules off by default turned on
    Runner runner = Runner::Pgsafe;
    int pg_version = 15;
    bool unknown_size_is_large = true;
};

}  // namespace pgsafe::rules
