// `pgsafe migrate --dry-run`: the statements a run would send now, built
// by the same functions the runner uses, in the order it sends them.
// Reads the tracking tables and table sizes; writes nothing and takes no lock.

#include "execute_step.hpp"
#include "prepare.hpp"
#include "reconcile.hpp"
#include "runner_lock.hpp"
#include "session.hpp"
#include "tracking.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/runner/runner.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

std::string step_script(db::Connection& connection, const std::string& version, const StoredStep& step) {
    std::string out = fmt::format("-- step {} ({}{})\n", step.number,
                                  step.transactional ? "in a transaction" : "outside a transaction",
                                  step.lock_mode.empty() ? "" : ", " + step.lock_mode);
    out += step_started_sql(version, step.number) + "\n";
    if (step.batch) {
        out += key_range_sql(*step.batch) + "\n";
        auto range = connection.query(key_range_sql(*step.batch), "reading the batch key range").at(0);
        out += prepare_batch_sql(step) + "\n";
        if (range[0] && range[1]) {
            long long from = step.batch_next.value_or(std::stoll(*range[0]));
            long long last = std::stoll(*range[1]);
            long long batches = (last - from) / step.batch->width + 1;
            out += fmt::format("-- {} batch{} of {} keys from {} to {}; the first:\n", batches,
                               batches == 1 ? "" : "es", step.batch->width, from, last);
            out += fmt::format("BEGIN;\n{}\n{}\n{}\nCOMMIT;\n", timeouts_sql(step, Scope::Transaction),
                               execute_batch_sql(from, from + step.batch->width),
                               batch_done_sql(version, step.number, from + step.batch->width));
        } else {
            out += "-- the table is empty: no batch\n";
        }
        out += k_deallocate_batch_sql + "\n";
        return out + step_applied_sql(version, step.number, 0) + "\n";
    }
    if (step.transactional)
        return out + fmt::format("BEGIN;\n{}\n{}\n{}\nCOMMIT;\n", timeouts_sql(step, Scope::Transaction),
                                 step.sql, step_applied_sql(version, step.number, 0));
    return out + fmt::format("{}\n{}\n{}\n{}\n", timeouts_sql(step, Scope::Session), step.sql,
                             k_reset_timeouts_sql, step_applied_sql(version, step.number, 0));
}

}  // namespace

std::string dry_run(const std::vector<source::MigrationFile>& files, const RunOptions& options) {
    require_version(files, options.to);
    db::Connection work = open_session(options.conninfo, "pgsafe migrate");
    Tracking tracking = load_tracking(work);
    Reconciled todo = reconcile(files, tracking, {options.to, options.allow_out_of_order});
    if (todo.refusal) throw Error(ErrorKind::Refused, todo.refusal->message);
    Prepared prepared = prepare(todo, work, options.plan);
    if (prepared.problem) throw *prepared.problem;

    std::string out = fmt::format(
        "-- pgsafe migrate --dry-run on {}: {} migration{} to run. Nothing was changed.\n"
        "-- Lock waits are bounded by lock_timeout; a step that times out is retried with backoff.\n",
        work.describe(), prepared.migrations.size(), prepared.migrations.size() == 1 ? "" : "s");
    out += session_setup_sql("pgsafe migrate") + "\n";
    out += fmt::format("SELECT pg_try_advisory_lock({});  -- polled until granted\n", k_runner_lock_key);
    for (const auto& upgrade : tracking_upgrades(tracking.schema_version))
        out += "BEGIN;\n" + upgrade + "\nCOMMIT;\n";
    for (const auto& m : prepared.migrations) {
        const std::string& version = m.file->version;
        out += fmt::format("\n-- migration {} {} ({}){}\n", version, m.file->name, m.file->path.string(),
                           m.action == Action::Start ? "" : ", resuming");
        out += fmt::format("BEGIN;\n{}\n{}\nCOMMIT;\n", m.setup_sql,
                           event_sql(m.action == Action::Start ? "migration-started" : "migration-resumed",
                                     version, std::nullopt, {{"checksum", m.file->checksum}}));
        for (const auto& step : m.steps) {
            if (step.state == "applied") continue;
            out += step_script(work, version, step);
        }
        out += fmt::format("BEGIN;\n{}\n{}\nCOMMIT;\n", migration_applied_sql(version),
                           event_sql("migration-applied", version, std::nullopt, {}));
    }
    out += fmt::format("SELECT pg_advisory_unlock({});\n", k_runner_lock_key);
    return out;
}

}  // namespace pgsafe::runner
