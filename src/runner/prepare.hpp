#pragma once
// Turning the reconciled work into what runs: a fresh or changed file is
// planned now (with the live table sizes), a resumed one runs the steps
// stored when it first started, so a rerun executes exactly what was
// planned. Shared by the runner and --dry-run.

#include "reconcile.hpp"
#include "tracking.hpp"

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/plan/plan.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::runner {

struct PreparedMigration {
    const source::MigrationFile* file = nullptr;
    Action action = Action::Start;
    std::string setup_sql;           // tracking writes before the first step, run in one transaction
    std::string session_sql;         // a resume: the settings its completed steps made, applied again first
    std::vector<StoredStep> steps;   // all of them; those already applied are skipped
    std::optional<plan::Risk> risk;  // as planned now; nullopt when resumed from the stored plan
    std::set<std::string> rules;     // rule names of the findings planned now
    bool fresh = false;              // new to the tracking tables: started now, never before
};

struct Prepared {
    std::vector<PreparedMigration> migrations;
    // A file that does not parse: nothing may run.
    std::optional<Error> parse_error;
    std::string parse_error_version;
    std::string parse_error_location;  // "migrations/V3__fk.sql:4", "" when the whole file is refused
    // A changed file whose applied steps no longer match: nothing may run.
    std::vector<Refusal> refusals;
};

// Plans from each file's text, read once with its checksum (source::MigrationFile).
Prepared prepare(const Reconciled& todo, db::Connection& connection, const plan::PlanOptions& options);

// prepare() in two halves, for a run that plans while the tracking schema is
// created (fresh_start.hpp). plan_files() makes the plans prepare() would
// make of `todo`'s files, all new (Action::Start; else it throws), with
// `facts`, in order, up to and including the first that does not parse. The
// second prepare() takes those plans instead of planning again, and writes
// their records with the live table facts `facts` (those the plans
// consulted, FactsSubset), as prepare() does.
std::vector<plan::MigrationPlan> plan_files(const Reconciled& todo, const analysis::TableFacts& facts,
                                            const plan::PlanOptions& options);
Prepared prepare(const Reconciled& todo, db::Connection& connection, const plan::PlanOptions& options,
                 analysis::TableFacts facts, const std::vector<plan::MigrationPlan>& planned);

}  // namespace pgsafe::runner
