#pragma once
// Linting files in apply order: every enabled rule over every statement,
// ignore comments applied, findings sorted by position. Pure: the caller
// reads the files and passes what it knows about the tables.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"
#include "pgsafe/rules/pending_set.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/sql/parse.hpp"

#include <set>
#include <string>
#include <vector>

namespace pgsafe::rules {

// One lint pass and what it computed on the way, for the planner: it plans
// from these instead of linting the file again or re-running the lock model.
struct FileAnalysis {
    FileResult result;                      // as `pgsafe lint` reports it
    std::vector<StatementInfo> statements;  // each statement's effects and transaction block
    // Per statement: the rules with a finding on it before ignore comments
    // are applied (an ignore comment silences a finding, not its rewrite).
    std::vector<std::set<std::string>> found;
};

class LintSession {
public:
    LintSession(LintOptions options, analysis::TableFacts facts);

    // Lints one file; files must come in apply order (the pending set grows).
    FileResult lint(const std::string& path, const sql::ParsedFile& file);
    // The same pass, keeping the effects and the findings before ignore comments.
    FileAnalysis analyse(const std::string& path, const sql::ParsedFile& file);

private:
    FileResult run(const std::string& path, const sql::ParsedFile& file, std::vector<StatementInfo>& infos,
                   std::vector<std::set<std::string>>* found);

    LintOptions m_options;
    analysis::TableFacts m_facts;
    PendingSet m_pending;
};

}  // namespace pgsafe::rules
