#pragma once
// A migration as the steps `pgsafe migrate` runs: dangerous statements with
// a known safe form rewritten (NOT VALID then VALIDATE, CONCURRENTLY, …),
// the rest kept as written with their findings, each step with its
// transaction boundary, lock, timeouts and estimated duration, and a risk
// level for the whole migration. Pure: files and table facts in, plans out.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/config/settings.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"
#include "pgsafe/sql/parse.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::plan {

enum class Risk {
    Low,       // no finding
    Medium,    // a strong lock, brief and bounded by the runner's lock timeout
    High,      // a scan or rewrite under a strong lock with no safe form; a destructive or breaking change
    Critical,  // DROP DATABASE and the like
};
const char* risk_name(Risk risk);  // "low", "medium", "high", "critical"

struct StepLock {
    sql::LockMode mode = sql::LockMode::None;
    std::vector<std::string> relations;  // "schema.table", as the step locks them
};

// A step run batch by batch, by keyset: its SQL takes the first and the
// last key of a batch, both inclusive ($1..$n the first key's columns,
// $n+1..$2n the last's). The runner finds each batch as the next keys in key
// order after the last key done (`WHERE key > last ORDER BY key LIMIT size`),
// so any btree-ordered key works, composite keys by row comparison, and no
// batch is empty. Each batch is its own short transaction.
struct Batch {
    std::string schema;  // the table, as a (schema, name) pair: never split at a dot
    std::string table;
    std::vector<std::string> key;    // its primary key's columns, in order
    std::vector<std::string> types;  // their types as format_type spells them ("bigint", "uuid")
    // A step planned by pgsafe before keyset batches: its SQL takes a single
    // bigint key as [$1, $2); kept so a run it started can be finished.
    bool legacy_range = false;
    // public.acct, for messages (unquoted)
    std::string qualified() const { return schema + "." + table; }
};
struct Step {
    std::string sql;            // one or more statements, run together
    bool transactional = true;  // false: CONCURRENTLY and the like, run outside a transaction
    StepLock lock;
    int lock_timeout_ms = 0;
    std::optional<int> statement_timeout_ms;  // nullopt: no limit
    std::optional<double> estimated_seconds;  // nullopt: table size unknown
    std::optional<std::string> rule;          // the finding this step answers, when rewritten
    std::string why;                          // one line for the reviewer
    sql::Span source;                         // the original statement(s) in the file
    // CREATE INDEX CONCURRENTLY: the index to drop if a failed build leaves it INVALID.
    // A (schema, name) pair; schema "" when the statement left it to the search_path.
    std::optional<sql::RelationName> index;
    std::optional<Batch> batch;  // run batch by batch (backfills, large UPDATE / DELETE)
};

struct MigrationPlan {
    std::string version;
    std::string name;
    std::string path;
    std::string checksum;
    std::string text;  // the file, for positions
    Risk risk = Risk::Low;
    std::vector<rules::Finding> findings;  // as lint reports them
    std::vector<Step> steps;
    // Does not parse, or refused in the plan (COPY … FROM STDIN, a file ending
    // inside BEGIN, …; a finding says why): no steps, nothing of it runs.
    bool syntax_error = false;
};

struct PlanOptions {
    rules::LintOptions lint;
    config::Timeouts timeouts;  // how long each step may wait for its lock and run
};

// What the planner needs from the resolved settings: lint options and timeouts.
PlanOptions plan_options(const config::Settings& settings);

struct MigrationInput {
    std::string version;
    std::string name;
    std::string path;
    std::string checksum;
};

class Planner {
public:
    Planner(PlanOptions options, analysis::TableFacts facts);
    ~Planner();

    // Plans one migration; migrations must come in apply order (tables
    // created by earlier ones count as new and empty). The file must be
    // parsed with KeepTree::Yes.
    MigrationPlan plan(const MigrationInput& migration, const sql::ParsedFile& file);

private:
    struct State;
    PlanOptions m_options;
    analysis::TableFacts m_facts;
    std::unique_ptr<State> m_state;
};

}  // namespace pgsafe::plan
