// Cancelling (or outwaiting) the autovacuum worker that blocks a step, as
// PostgreSQL would after deadlock_timeout; see autovacuum.hpp.

#include "autovacuum.hpp"

#include "tracking.hpp"

#include "pgsafe/db/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pgsafe::runner {
namespace {

void record_quietly(Executor& work, const std::string& sql) {
    try {
        work.execute(own_transaction_sql(sql), "recording what pgsafe did about autovacuum");
    } catch (const std::exception& e) {
        spdlog::debug("{}", e.what());
        try {
            work.execute("ROLLBACK", "recording what pgsafe did about autovacuum");
        } catch (const std::exception&) {
        }
    }
}

// PostgreSQL's deadlock_timeout in ms, plus a margin so the wait outlasts it.
int past_deadlock_timeout_ms(Executor& work) {
    auto rows = work.query("SELECT setting::int FROM pg_catalog.pg_settings WHERE name = 'deadlock_timeout'",
                           "reading deadlock_timeout");
    int deadlock_ms = rows.empty() || !rows[0][0] ? 1000 : std::stoi(*rows[0][0]);
    return deadlock_ms + std::max(200, deadlock_ms / 2);
}

}  // namespace

std::string cancel_autovacuum_sql(const std::string& pid) {
    return fmt::format(
        "SELECT pg_catalog.pg_cancel_backend(pid) FROM pg_catalog.pg_stat_activity WHERE pid = {} AND "
        "backend_type = 'autovacuum worker' AND query NOT LIKE '%(to prevent wraparound)%'",
        std::stoi(pid));
}

std::optional<int> preempt_autovacuum(AutovacuumContext& c, const std::vector<Blocker>& blockers) {
    std::optional<int> wait;
    for (const auto& b : blockers) {
        if (b.kind == BlockerKind::WraparoundAutovacuum) {
            if (c.told.insert(b.pid).second)
                c.observer.note(fmt::format(
                    "  {}: pid {} is an autovacuum run to prevent transaction ID wraparound ({}); pgsafe "
                    "does not cancel it (nor would PostgreSQL) and waits for it to end",
                    c.label, b.pid, b.query));
            continue;
        }
        if (b.kind != BlockerKind::Autovacuum) continue;
        bool cancelled = false;
        std::string why;
        try {
            auto rows = c.work.query(cancel_autovacuum_sql(b.pid), "cancelling the autovacuum in the way");
            cancelled = !rows.empty() && rows[0][0] == std::optional<std::string>("t");
            if (rows.empty()) continue;  // it ended meanwhile
        } catch (const db::DatabaseError& e) {
            if (e.connection_lost()) throw;
            why = e.what();
        }
        if (cancelled) {
            c.observer.note(fmt::format(
                "  {}: cancelled the autovacuum worker pid {} ({}) that blocked the step, as PostgreSQL "
                "cancels one that blocks a lock request for deadlock_timeout; it runs again later",
                c.label, b.pid, b.query));
            record_quietly(c.work, event_sql("autovacuum-cancelled", c.version, c.step,
                                             {{"pid", b.pid}, {"query", b.query}}));
            continue;
        }
        if (!c.told.insert("waited for " + b.pid).second)
            continue;  // once: then it is waited for as any blocker
        if (!wait) wait = past_deadlock_timeout_ms(c.work);
        c.observer.note(fmt::format(
            "  {}: the autovacuum worker pid {} ({}) blocks the step and pgsafe may not cancel it{}; the "
            "next try waits {} ms, just past deadlock_timeout, so PostgreSQL cancels it",
            c.label, b.pid, b.query, why.empty() ? "" : " (" + why + ")", *wait));
        record_quietly(c.work, event_sql("autovacuum-wait", c.version, c.step,
                                         {{"pid", b.pid}, {"query", b.query}, {"lock_timeout_ms", *wait}}));
    }
    return wait;
}

}  // namespace pgsafe::runner
