// `pgsafe adopt` against the database: read the old tool's history (SELECT
// only), match it, and record the adopted migrations in one transaction
// under pgsafe's runner lock, after the same trust check and schema
// upgrade `migrate` does. --dry-run stops before the lock and prints the
// transaction it would commit.

#include "pgsafe/adopt/adopt.hpp"

#include "../runner/executor.hpp"
#include "../runner/interrupt.hpp"
#include "../runner/runner_lock.hpp"
#include "../runner/session.hpp"
#include "../runner/sql_text.hpp"
#include "../runner/tracking.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <chrono>

namespace pgsafe::adopt {
namespace {

using nlohmann::json;
using runner::literal;
using runner::literal_or_null;

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<Recorded> recorded_of(const runner::Tracking& tracking) {
    std::vector<Recorded> out;
    for (const auto& m : tracking.migrations)
        out.push_back({m.version, m.checksum, m.state == runner::TrackedState::Applied});
    return out;
}

std::string source_name(const AdoptOptions& options) {
    return options.tool ? tool_name(*options.tool) : "baseline";
}

std::string insert_adopted_sql(const AdoptedFile& a, const AdoptOptions& options, const std::string& table) {
    const auto& f = *a.file;
    const std::string& checksum = a.recorded_checksum.empty() ? f.checksum : a.recorded_checksum;
    json from = {{"tool", source_name(options)}, {"check", a.check}, {"key", a.key}};
    if (options.tool) from["table"] = table;
    if (a.row) from["row"] = a.row->row;
    json plan = {{"format", runner::k_record_format},
                 {"version", f.version},
                 {"name", f.name},
                 {"path", f.path.string()},
                 {"checksum", checksum},
                 {"adopted", true},
                 {"steps", json::array()}};
    return fmt::format(
        "INSERT INTO pgsafe.migrations (version, name, checksum, state, tool_version, plan, finished_at, "
        "duration_ms, adopted_by, adopted_at, adopted_from) VALUES ({}, {}, {}, 'adopted', {}, "
        "{}::pg_catalog.jsonb, "
        "pg_catalog.now(), 0, session_user, pg_catalog.now(), {}::pg_catalog.jsonb);",
        literal(f.version), literal(f.name), literal(checksum), literal(PGSAFE_VERSION), literal(dump(plan)),
        literal(dump(from)));
}

std::vector<std::string> versions(const std::vector<const source::MigrationFile*>& files) {
    std::vector<std::string> out;
    for (const auto* f : files) out.push_back(f->version);
    return out;
}

// The one transaction: a row per adopted file, the adoption (the old rows as
// they are now, the old tool's lock key), and the "adopted" event.
std::string adoption_sql(const AdoptResult& r, const AdoptOptions& options,
                         std::optional<long long> lock_key) {
    std::string sql;
    for (const auto& a : r.plan.adopt)
        sql += insert_adopted_sql(a, options, r.history ? r.history->table : "") + "\n";
    json rows = r.history ? r.history->rows : json::array();
    sql += fmt::format(
        "INSERT INTO pgsafe.adoptions (tool, history_table, lock_key, baseline, rows) VALUES ({}, {}, {}, "
        "{}, "
        "{}::pg_catalog.jsonb);\n",
        literal(source_name(options)),
        literal_or_null(r.history ? std::optional<std::string>(r.history->table) : std::nullopt),
        lock_key ? std::to_string(*lock_key) : "NULL", literal_or_null(r.plan.baseline), literal(dump(rows)));
    std::vector<std::string> adopted;
    for (const auto& a : r.plan.adopt) adopted.push_back(a.file->version);
    json detail = {{"tool", source_name(options)},
                   {"adopted", adopted},
                   {"already", versions(r.plan.already)},
                   {"pending", versions(r.plan.pending)},
                   {"notes", r.plan.notes}};
    if (r.history) detail["table"] = r.history->table;
    if (r.plan.baseline) detail["baseline"] = *r.plan.baseline;
    sql += runner::event_sql("adopted", std::nullopt, std::nullopt, detail);
    return sql;
}

std::optional<long long> lock_key_of(db::Connection& c, const AdoptOptions& options, const History& history) {
    if (!options.tool) return std::nullopt;
    auto rows = c.query(
        "SELECT pg_catalog.current_database()::pg_catalog.text, pg_catalog.current_schema()::pg_catalog.text",
        "naming the database");
    std::string database = rows.at(0).at(0).value_or("");
    std::string schema = rows.at(0).at(1).value_or("public");
    std::string table = history.table;
    if (auto dot = table.find('.'); dot != std::string::npos) {
        schema = table.substr(0, dot);
        table = table.substr(dot + 1);
    }
    return tool_lock_key(*options.tool, database, schema, table);
}

// What this database holds now, matched; throws when the adoption must stop.
AdoptResult survey(db::Connection& c, const std::vector<source::MigrationFile>& files,
                   const AdoptOptions& options) {
    AdoptResult r;
    r.database = c.describe();
    runner::Tracking tracking = runner::load_tracking(c);
    r.creates_tracking = tracking.schema_version < runner::tracking_schema_version();
    if (options.tool) {
        History history = read_history(c, *options.tool, options.table);
        if (!history.exists)
            throw Error(ErrorKind::Usage,
                        fmt::format("no {} history table {} in {}: name it with --table, or use `pgsafe "
                                    "baseline VERSION` for a database with no history table",
                                    tool_name(*options.tool), history.table, r.database));
        r.plan = match_history(files, history, recorded_of(tracking), options);
        r.history = std::move(history);
    } else {
        r.plan = plan_baseline(files, *options.baseline, recorded_of(tracking));
    }
    if (!r.plan.problems.empty()) throw RefusedError(r.plan.problems);
    r.sql = adoption_sql(r, options, r.history ? lock_key_of(c, options, *r.history) : std::nullopt);
    return r;
}

}  // namespace

AdoptResult adopt(const std::vector<source::MigrationFile>& files, const AdoptOptions& options) {
    db::Connection session =
        runner::open_session(options.conninfo, "pgsafe adopt", runner::SearchPath::Users);
    auto distrust = runner::tracking_schema_problems(session);  // before anything in it is read or fires
    if (!distrust.empty())
        throw RefusedError(
            {{"untrusted-tracking-schema",
              fmt::format("the tracking schema pgsafe cannot be trusted, so nothing was adopted: {}",
                          fmt::join(distrust, "; ")),
              "if pgsafe made it, remove what is listed, then run again", std::nullopt}});
    AdoptResult first = survey(session, files, options);  // problems stop here, before any lock or write
    if (options.dry_run) return first;

    runner::InterruptWatch interrupt;
    // No migrate meanwhile; not through a pooler in transaction mode.
    runner::RunnerLock lock(runner::open_lock_session(options.conninfo, session), std::chrono::minutes(5),
                            interrupt);
    runner::ConnectionExecutor work(session);
    runner::ensure_tracking_schema(work, runner::installed_tracking_version(session),
                                   runner::lock_check_sql(lock.backend_pid()));
    AdoptResult r = survey(session, files, options);  // again, under the lock
    session.execute("BEGIN;\n" + runner::lock_check_sql(lock.backend_pid()) + r.sql + "\nCOMMIT;",
                    "recording the adoption");
    r.recorded = true;
    return r;
}

}  // namespace pgsafe::adopt
