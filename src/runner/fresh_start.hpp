#pragma once
// A run on a database without the tracking schema (a first run, and every CI
// database built from empty): every file is new, with no history and no
// adoptions, so planning need not wait for the schema. The table facts are
// read on the runner lock's session and the files planned on a thread of
// their own while the work session creates the schema. The plans are used
// only when they are the ones planning after the schema's creation gives:
// the schema still holds no history, and nothing the planner looks up can
// be in it (no file names schema pgsafe, which the search path does not
// hold, and it holds no partitioned table), read at a glance by the message
// that creates it, on the work session.
// Their records are then those of a run that found the schema: no record
// lists the facts of the schema's own tables where no plan can have looked
// them up (FactsSubset). Else the run plans again, as on a database with the
// schema.

#include "prepare.hpp"
#include "reconcile.hpp"
#include "tracking.hpp"

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/plan/plan.hpp"
#include "pgsafe/source/migration.hpp"

#include <future>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::runner {

// `facts` without the tables of schema pgsafe: what a read taken while the
// work session creates that schema gives whenever it is taken.
analysis::TableFacts without_tracking_schema(const analysis::TableFacts& facts);

class FreshStart {
public:
    // Reconciles `files` with no history and starts planning them on a thread
    // of its own, their table facts read on `lock_session`, which holds the
    // runner lock and has no other use until take(). The four outlive this.
    FreshStart(const std::vector<source::MigrationFile>& files, const ReconcileOptions& options,
               db::Connection& lock_session, const plan::PlanOptions& plan);
    // Waits for the thread; its error is dropped only when an earlier one is on its way.
    ~FreshStart();
    FreshStart(const FreshStart&) = delete;
    FreshStart& operator=(const FreshStart&) = delete;

    // What the message that creates the schema reads last, on the work
    // session (whose search path the plans are made for), once it has:
    // whether the schema changed what the planner would look up.
    std::string glance_sql(db::Connection& work_session) const;
    // The schema is created, and that read's row: the thread decides whether
    // its plans stand while the run reads the tracking tables.
    void created(const db::Connection::Row& glance);

    struct Planned {
        Reconciled todo;
        Prepared prepared;
    };
    // Once `tracking` is read from the schema created: waits for the plans
    // (rethrowing the thread's error) and returns them, with their records,
    // or nullopt when the run must plan again (fresh_start.hpp).
    std::optional<Planned> take(const Tracking& tracking);

private:
    struct Ahead {
        std::optional<Prepared> prepared;  // nullopt: plan again
        std::string why_not;
    };
    Ahead plan_ahead(std::future<std::optional<db::CatalogGlance>> created);
    void tell(std::optional<db::CatalogGlance> glance);  // sets m_created, once
    Tracking m_none;                                     // what m_todo was reconciled with
    Reconciled m_todo;
    db::Connection& m_lock_session;
    const plan::PlanOptions& m_plan;
    // The glance once created(); nullopt when the run ends before.
    std::promise<std::optional<db::CatalogGlance>> m_created;
    bool m_told = false;            // m_created is set
    std::future<Ahead> m_planning;  // not valid when nothing is planned ahead
};

}  // namespace pgsafe::runner
