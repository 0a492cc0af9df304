#pragma once
// The planner's stages after the rewrites, one file each: transaction
// grouping and the held-across split, step facts (lock, timeouts, estimate),
// risk, and `pgsafe:no-rewrite` comments. Private to src/plan/.

#include "rewrite.hpp"

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/rules/finding.hpp"

#include <set>
#include <vector>

namespace pgsafe::plan::detail {

// A unit with the statement it came from.
struct PlacedUnit {
    Unit unit;
    std::size_t statement = 0;
};

// Units that run together: one transaction, or one statement outside any.
struct Draft {
    std::vector<PlacedUnit> units;
    std::optional<std::string> rule;  // set when the draft itself answers a finding (a split)
};

struct StatementPlan {
    const sql::Statement* statement = nullptr;
    analysis::Effects effects;
    std::vector<Unit> units;         // empty for BEGIN / COMMIT
    std::set<std::string> found;     // rules with a finding here (ignore comments not applied)
    std::set<std::string> answered;  // rules whose finding the units answer
    // The tables its units lock that the run had created when it was planned
    // ("schema.table"): steps are made after the whole file, when a later
    // RENAME may have moved a name the pending set knows.
    std::set<std::string> created_tables;
    // In a BEGIN … COMMIT block that must stay one transaction (whole_blocks): not
    // rewritten, and the block is not cut.
    bool whole_block = false;
};

// Runs statements PostgreSQL refuses in a transaction block outside one, as
// psql does, and returns the refusals (as findings) for what pgsafe cannot run
// as psql would: COPY … FROM STDIN, such a statement inside BEGIN … COMMIT, a
// file ending inside an open BEGIN (faithful.cpp). Any refusal: no steps.
std::vector<rules::Finding> faithful_to_psql(std::vector<StatementPlan>& statements);

// BEGIN, COMMIT, ROLLBACK, PREPARE TRANSACTION: they shape steps and run as none.
bool block_boundary(const sql::Statement& statement);

// Why each statement (by index) sits in a block that must run as the one
// transaction the file wrote, or "" when it does not: a block that ends in
// ROLLBACK (nothing of it runs), uses savepoints, sets constraints, or
// changes rows or runs code pgsafe cannot see through (cut into pieces,
// deferred constraints and triggers would fire before the block's end).
std::vector<std::string> whole_blocks(const std::vector<StatementPlan>& statements);

// Steps in file order: outside BEGIN … COMMIT each unit is a step of its
// own (as psql runs a file); inside, shared units stay in one transaction,
// and units needing their own transaction or none split it. A block holding
// a strong lock across statements is split where they touch disjoint tables.
std::vector<Draft> group_units(std::vector<StatementPlan>& statements, const rules::PendingSet& pending);

// The lock model over a statement a rewrite built: its SQL parsed again
// (throws std::logic_error when it does not parse: a plan never carries such SQL).
std::vector<analysis::Effects> built_effects(const std::string& sql);

// The step a draft becomes: joined SQL, lock from its units' effects,
// timeouts per class, estimate from table sizes.
Step make_step(const Draft& draft, const std::vector<StatementPlan>& statements,
               const analysis::TableFacts& facts, const rules::PendingSet& pending,
               const config::Timeouts& timeouts);

// The risk a finding leaves when its statement runs as written.
Risk finding_risk(const rules::Finding& finding);

// Per statement (by index), what the statements before it in its file
// changed in the session (rewrite.hpp's EarlierSetting).
std::vector<EarlierSetting> earlier_settings(const sql::ParsedFile& file, const analysis::TableFacts& facts);
// Whether the statement locks a relation it names without a schema.
bool names_unqualified(const analysis::Effects& effects);

// Statements (by index) that a `-- pgsafe:no-rewrite` comment on their first
// line or the line before keeps as written.
std::set<std::size_t> no_rewrite_statements(const sql::ParsedFile& file);

}  // namespace pgsafe::plan::detail
