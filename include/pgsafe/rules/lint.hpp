#pragma once
// Linting files in apply order: every enabled rule over every statement,
// ignore comments applied, findings sorted by position. Pure: the caller
// reads the files and passes what it knows about the tables.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"
#include "pgsafe/rules/pending_set.hpp"
#include "pgsafe/sql/parse.hpp"

#include <string>

namespace pgsafe::rules {

class LintSession {
public:
    LintSession(LintOptions options, analysis::TableFacts facts);

    // Lints one file; files must come in apply order (the pending set grows).
    FileResult lint(const std::string& path, const sql::ParsedFile& file);

private:
    LintOptions m_options;
    analysis::TableFacts m_facts;
    PendingSet m_pending;
};

}  // namespace pgsafe::rules
