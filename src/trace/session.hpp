#pragma once
// One traced database: a connection that runs the statements and a second
// one that watches (reads pg_locks while a statement outside a transaction
// runs, and the catalog around it). Statements run as psql runs a file:
// each in a transaction of its own unless the file says BEGIN; with
// Ending::Rollback everything runs in one transaction rolled back at the end.

#include "observe.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/trace/trace.hpp"

#include <string>
#include <vector>

namespace pgsafe::trace {

class Session {
public:
    Session(const std::string& url, const TraceOptions& options);

    std::string server_version();
    // Ending::Rollback: the one transaction around everything.
    void begin_outer();
    void rollback_outer();

    TracedRun run_file(const MigrationToTrace& migration);
    TracedRun run_plan(const plan::MigrationPlan& plan);

    // The database's description (catalog and rows), for --plan's comparison.
    std::vector<std::string> describe();

private:
    struct Unit {
        std::string sql;
        analysis::Effects model;
        int line = 0;
        int column = 0;
    };
    void in_transaction(const Unit& unit, TracedRun& run);
    void outside_transaction(const Unit& unit, TracedRun& run);
    void run_batches(const Unit& unit, const plan::Batch& batch, TracedRun& run);
    double execute(const std::string& sql);  // on the working connection, cancellable; its duration in ms
    void check_interrupted() const;
    void end_transaction(TracedRun& run);
    // The statement's record from what was seen around it.
    TracedStatement record(const Unit& unit, const Relations& before, const Relations& after,
                           const std::vector<std::string>& catalog_before,
                           const std::vector<std::string>& catalog_after, ModelObservation& seen,
                           double duration_ms);
    // Runs one statement or step; false (and run.failure set) when the server refused it.
    bool run_unit(const Unit& unit, bool outside, TracedRun& run);

    db::Connection m_work;
    db::Connection m_watch;
    db::Connection m_hold;  // holds a snapshot and ACCESS SHARE so a statement outside a transaction waits
    const TraceOptions& m_options;
    int m_pid = 0;
    bool m_in_block = false;  // inside the file's own BEGIN … COMMIT
    bool m_in_outer = false;  // inside Ending::Rollback's transaction
    double m_clock_ms = 0;    // time spent in the traced statements only (not in our own queries)
    Relations m_migration_start;
    struct Pending {
        std::size_t statement;
        std::size_t lock;
        double start_ms;
    };
    std::vector<Pending> m_pending;  // write-blocking locks held until the transaction ends
};

}  // namespace pgsafe::trace
