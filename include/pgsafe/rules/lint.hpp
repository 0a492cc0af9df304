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
    // Per statement: the findings (before ignore comments) on the SQL it runs
    // inside PL/pgSQL, a DO block's body or a function it calls. The plan keeps
    // such a statement as written: a body runs in one transaction.
    std::vector<std::vector<Finding>> inside;
};

// Whether the fix for a finding of this rule runs in transactions of its own
// (CONCURRENTLY, NOT VALID then VALIDATE, batches): inside a PL/pgSQL body,
// which runs as one transaction, the statement must move out of the body.
bool needs_own_transaction(const std::string& rule);

class LintSession {
public:
    LintSession(LintOptions options, analysis::TableFacts facts);

    // Lints one file; files must come in apply order (the pending set grows).
    FileResult lint(const std::string& path, const sql::ParsedFile& file);
    // The same pass, keeping the effects and the findings before ignore comments.
    FileAnalysis analyse(const std::string& path, const sql::ParsedFile& file);

private:
    FileResult run(const std::string& path, const sql::ParsedFile& file,
                   std::vector<StatementInfo>& top_level, FileAnalysis* analysis);

    LintOptions m_options;
    analysis::TableFacts m_facts;
    PendingSet m_pending;
};

}  // namespace pgsafe::rules
