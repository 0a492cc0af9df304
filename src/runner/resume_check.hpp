#pragma once
// A resumed migration runs the SQL stored in pgsafe.steps, so whoever can
// write that table could make pgsafe run anything as the run role. Before a
// resume, the stored steps that are still to run are checked against the
// file: the migration is planned again, as pure planning from what its
// first run recorded (the table facts it consulted, the settings, the files
// planned before it in that run), and every step left to run must be
// exactly a step of that plan (same SQL, transaction, timeouts, index,
// batches). Stored facts and settings only choose between the forms the
// planner offers for the file on disk; they cannot add SQL to it.

#include "reconcile.hpp"
#include "tracking.hpp"

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/plan/plan.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgsafe::runner {

// --- pure ---------------------------------------------------------------------

// "sha256:…" of what a step runs and how: its SQL, transaction, lock,
// timeouts, index and batches (not its progress, line, estimate or why).
std::string step_digest(const StoredStep& step);

// How a stored step differs from the planned one: "its SQL", "its lock timeout", …
// (several joined with ", "); empty when they run the same.
std::string step_difference(const StoredStep& stored, const StoredStep& planned);

struct Mismatch {
    int step = 0;      // 1-based; 0 when the number of steps differs
    std::string what;  // "its SQL differs: stored \"…\", planned \"…\""
};

// The first step still to run (not applied) that is not what was planned,
// or a different number of steps. Applied steps are not compared: they
// never run again (and after a fixed file they come from the earlier plan).
std::optional<Mismatch> first_mismatch(const std::vector<StoredStep>& stored,
                                       const std::vector<StoredStep>& planned);

// `file` parsed and planned by `planner`, after whatever it planned before:
// how a run plans each file, so that a resume plans it the same way.
plan::MigrationPlan plan_file(plan::Planner& planner, const source::MigrationFile& file);
// The same with `file` already parsed (parse tree kept), as ParseAhead gives it.
plan::MigrationPlan plan_file(plan::Planner& planner, const source::MigrationFile& file,
                              const sql::ParsedFile& parsed);

// The planner's settings as the plan record keeps them, and back. Reading
// throws nlohmann::json::exception, or std::out_of_range for a value outside
// what the configuration accepts (a lock timeout of 0: wait forever).
nlohmann::json plan_options_json(const plan::PlanOptions& options);
plan::PlanOptions plan_options_from_json(const nlohmann::json& j);

// The facts of the tables a plan can have consulted: a table is kept when
// its name or one of its indexes' names appears as a word of the file, of
// the planned SQL or of a step's reason (which names a relation whose name
// a rewrite would have taken); so is a view's, sequence's or domain
// constraint's name (TableFacts::other_names). Schema pgsafe's own are kept
// only where the planner can have looked them up: the search path holds the
// schema, or the file or a step's SQL names it (or, for a partitioned table's
// indexes, which it looks up in every schema, always). Built once per run;
// subset() per file.
class FactsSubset {
public:
    explicit FactsSubset(const analysis::TableFacts& facts);
    analysis::TableFacts subset(const std::string& text, const std::vector<StoredStep>& steps) const;

private:
    const analysis::TableFacts& m_facts;
    std::multimap<std::string, std::size_t> m_by_name;  // table or index name -> table
};

// --- I/O ----------------------------------------------------------------------

// The live table facts, read from the database the first time they are needed.
class LiveFacts {
public:
    explicit LiveFacts(db::Connection& connection) : m_connection(connection) {}
    // Facts already read (on another session): the database is not asked again.
    LiveFacts(db::Connection& connection, analysis::TableFacts facts)
        : m_connection(connection), m_facts(std::move(facts)) {}
    const analysis::TableFacts& get();

private:
    db::Connection& m_connection;
    std::optional<analysis::TableFacts> m_facts;
};

// What the plan record keeps of how each file was planned ("planned_with"):
// the settings, the facts subset, and where the file came in the run's
// planning order: the run's id and the file's position. The files planned
// before it by the same planner (their CREATE TABLEs make its tables new
// and empty) are listed once per run, in the record of the run's first
// file (with_run_order), not in every record: a run of N files writes O(N)
// of them, not O(N^2). Records written before kept the list as "after".
class PlanProvenance {
public:
    PlanProvenance(const plan::PlanOptions& options, LiveFacts& live);
    nlohmann::json planned_with(const std::string& text, const std::vector<StoredStep>& steps);
    // The file was given to the planner (whatever became of its plan).
    void planned(const std::string& version) { m_after.push_back(version); }
    // `first` (planned_with of the run's first file) with every file the run planned, in order.
    nlohmann::json with_run_order(nlohmann::json first) const;

private:
    const plan::PlanOptions& m_options;
    LiveFacts& m_live;
    std::optional<FactsSubset> m_subset;
    std::vector<std::string> m_after;
    std::string m_run;  // random, one per run
};

// The record's "planned_with" with "after" (the files planned before it in
// its run) filled in from the record of the run's first file, when it holds
// "run" and "position" instead; unchanged when that record is missing or
// does not list the file at its position (then the resume plans from the
// live database, as for a record without "planned_with").
nlohmann::json with_files_planned_before(const nlohmann::json& record, const std::string& version,
                                         db::Connection& reads);

// Nullopt when the steps of `work` (a Resume) still to run are what pgsafe
// plans for its file; else the refusal ("stored-steps-changed"), naming the
// migration, the step and what differs. `files` are all the migration
// files, for the ones planned before it in its first run.
std::optional<Refusal> check_resume(const Work& work, const std::vector<source::MigrationFile>& files,
                                    db::Connection& reads, const plan::PlanOptions& options, LiveFacts& live);

}  // namespace pgsafe::runner
