// `pgsafe migrate`: the run, in the order DESIGN.md gives it. Once the
// runner lock is held, every outcome is recorded in the tracking tables
// and returned as a result; nothing is left half-done without a record.
// Statements go through an Executor (executor.hpp) and observers hear of
// each step (observer.hpp), so --dry-run runs this same code.

#include "coexist.hpp"
#include "executor.hpp"
#include "fresh_start.hpp"
#include "interrupt.hpp"
#include "prepare.hpp"
#include "reconcile.hpp"
#include "repeatables.hpp"
#include "run.hpp"
#include "run_migrations.hpp"
#include "runner_lock.hpp"
#include "tracking.hpp"
#include "tracking_access.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"

#include <fmt/format.h>

#include <functional>
#include <optional>

namespace pgsafe::runner {
namespace {

// What a run that stops here leaves to do.
void add_pending(RunResult& result, const std::vector<source::MigrationFile>& files,
                 const Tracking& tracking) {
    for (const auto& f : files) {
        const TrackedMigration* t = tracking.find(f.version);
        bool applied_before = t != nullptr && t->state == TrackedState::Applied && !outdated_repeatable(f, t);
        bool applied_now = false;
        for (const auto& a : result.applied) applied_now = applied_now || a.version == f.version;
        if (!applied_before && !applied_now) result.pending.push_back(f.version);
    }
}

}  // namespace

RunStatus run_status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Refused: return RunStatus::Refused;
        case ErrorKind::LockTimeout: return RunStatus::LockTimeout;
        case ErrorKind::Interrupted: return RunStatus::Interrupted;
        default: return RunStatus::Failed;
    }
}

RunError run_error(const Error& e, const std::string& migration) {
    RunError out{e.what(), migration, std::nullopt, "", "", e.kind(), {}};
    if (const auto* db = dynamic_cast<const db::DatabaseError*>(&e)) out.sqlstate = db->sqlstate();
    if (const auto* refused = dynamic_cast<const RefusedError*>(&e)) out.refusals = refused->refusals();
    return out;
}

// Every refusal, however it arose, is recorded the same way ("refused"
// events, in one transaction) and ends the run with status refused.
void refuse(Executor& work, const std::vector<Refusal>& refusals, RunResult& result) {
    std::string sql;
    for (const auto& r : refusals) sql += refusal_event_sql(r) + "\n";
    work.execute(own_transaction_sql(sql), "recording the refusal");
    RefusedError error(refusals);
    result.status = RunStatus::Refused;
    result.error = run_error(error, refusals.front().version.value_or(""));
}

// Refused, and not recorded: writing to the schema could fire what is in it.
RunResult untrusted_tracking_schema(const std::vector<std::string>& problems,
                                    const std::vector<source::MigrationFile>& files) {
    Refusal refusal{"untrusted-tracking-schema",
                    fmt::format("the tracking schema pgsafe cannot be trusted, so nothing ran: {}",
                                fmt::join(problems, "; ")),
                    "if pgsafe made it, remove what is listed (or DROP SCHEMA pgsafe CASCADE if it holds no "
                    "history you need), then run again",
                    std::nullopt};
    RefusedError error({refusal});
    RunResult result;
    result.status = RunStatus::Refused;
    result.error = run_error(error, "");
    for (const auto& f : files) result.pending.push_back(f.version);
    return result;
}

RunResult run_locked(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                     Executor& work, db::Connection& reads, InterruptWatch& interrupt,
                     const std::string& lock_check, db::Connection* lock_session) {
    bool schema =
        require_tracking_access(reads, TrackingUse::Run);  // the owner and the fix, not "permission denied"
    std::vector<std::string> distrust;
    if (schema) distrust = tracking_schema_problems(reads);  // before anything in it can fire
    if (!distrust.empty()) return untrusted_tracking_schema(distrust, files);
    ReconcileOptions reconciling{options.to, options.allow_out_of_order, options.allow_same_content};
    bool sent = lock_session != nullptr;  // a run, not --dry-run (whose executor only records)
    std::optional<FreshStart> fresh;      // no schema: the files are planned while it is created
    if (!schema && sent) fresh.emplace(files, reconciling, *lock_session, options.plan);
    int installed = schema ? installed_tracking_version(reads) : 0;
    // Created or upgraded under the lock; a new one read at a glance by the same message.
    Executor::Rows glance =
        ensure_tracking_schema(work, installed, lock_check, fresh ? fresh->glance_sql(reads) : "");
    if (fresh) fresh->created(glance.at(0));
    // What ran before. A run knows what ensure_tracking_schema left: a schema
    // it made holds no history and no adoptions, one it upgraded is at this
    // pgsafe's version.
    bool made = sent && installed == 0;
    std::unique_ptr<OldToolLocks> old_tools;
    if (!made)
        old_tools =
            coexist_with_old_tools(reads, options.conninfo, options.lock_wait, interrupt,
                                   !lock_check.empty());  // the adopted-from tool's lock, while it lives
    Tracking tracking = made   ? made_tracking()
                        : sent ? load_tracking(reads, tracking_schema_version())
                               : load_tracking(reads);
    RunResult result;
    std::optional<FreshStart::Planned> planned;
    if (fresh) planned = fresh->take(tracking);
    if (!planned) {
        planned.emplace();
        planned->todo = reconcile(files, tracking, reconciling);  // drift, order
        if (planned->todo.refusals.empty())
            planned->prepared =
                prepare(planned->todo, reads, options.plan);  // plan every file before anything runs
    }
    const Reconciled& todo = planned->todo;
    if (!todo.refusals.empty()) {
        refuse(work, todo.refusals, result);
        add_pending(result, files, tracking);
        return result;
    }
    const Prepared& prepared = planned->prepared;
    if (prepared.parse_error) {
        result.status = run_status_for(prepared.parse_error->kind());
        result.error = run_error(*prepared.parse_error, prepared.parse_error_version);
        result.error->location = prepared.parse_error_location;
    } else if (!prepared.refusals.empty()) {
        refuse(work, prepared.refusals, result);
    } else {
        Run(options, interrupt, work, lock_check)
            .run_all(prepared, result);  // step by step, recorded as it goes
    }
    add_pending(result, files, tracking);
    return result;
}

RunResult migrate(const std::vector<source::MigrationFile>& files, const RunOptions& options,
                  const OpenGate& open_gate) {
    require_version(files, options.to);  // a typo in --to is a usage error, before connecting
    InterruptWatch interrupt;            // first, so every thread after it leaves SIGINT/SIGTERM to it
    // The work session (steps and tracking writes) and the runner lock (one
    // runner per database), connecting at once; the gate opens (the stored
    // policy, who runs) on the lock's session before the lock is asked for,
    // so its error ends the run before any wait for another runner.
    RunOptions run = options;
    LockedSession opened(options.conninfo, k_application_name, options.lock_wait, interrupt,
                         [&](db::Connection& lock_session) { open_gate(run, lock_session); });
    ConnectionExecutor work(opened.session());
    return run_locked(files, run, work, opened.session(), interrupt, opened.lock().check_sql(),
                      &opened.lock().session());
}

}  // namespace pgsafe::runner
