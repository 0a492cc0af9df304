// Coexistence with the tool pgsafe adopted from: its lock while its table
// exists, and a warning for history it wrote after the adoption.

#include "coexist.hpp"

#include "backoff.hpp"
#include "session.hpp"

#include "pgsafe/adopt/history.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <map>
#include <random>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

struct Adoption {
    adopt::Tool tool;
    std::string table;
    std::optional<long long> lock_key;
    json rows;
};

// The latest adoption of each old table (a later `pgsafe adopt` takes over what ran since).
std::vector<Adoption> adoptions(db::Connection& reads) {
    auto exists =
        reads.query("SELECT pg_catalog.to_regclass('pgsafe.adoptions') IS NOT NULL", "looking for adoptions");
    if (exists.at(0).at(0) != std::optional<std::string>("t")) return {};
    auto rows = reads.query(
        "SELECT DISTINCT ON (tool, history_table) tool, history_table, lock_key::pg_catalog.text, "
        "rows::pg_catalog.text "
        "FROM pgsafe.adoptions WHERE history_table IS NOT NULL ORDER BY tool, history_table, id DESC",
        "reading the adoptions");
    std::vector<Adoption> out;
    for (const auto& r : rows) {
        auto tool = adopt::tool_from_name(r.at(0).value_or(""));
        if (!tool) continue;  // a tool this pgsafe does not know: nothing it can lock
        std::optional<long long> key;
        if (r.at(2)) key = std::stoll(*r.at(2));
        out.push_back({*tool, r.at(1).value_or(""), key, json::parse(r.at(3).value_or("[]"))});
    }
    return out;
}

void warn_new_rows(db::Connection& reads, const Adoption& a) {
    json now = adopt::history_rows(reads, a.tool, a.table);
    std::vector<std::string> added;
    for (const auto& row : now)
        if (std::find(a.rows.begin(), a.rows.end(), row) == a.rows.end()) added.push_back(row.dump());
    if (added.empty()) return;
    spdlog::warn(
        "{}'s history table {} has {} row{} that pgsafe did not adopt: {} ran after the switch. Check what "
        "it "
        "applied, then run `pgsafe adopt --from {}` again to take {} over, or drop {} once {} is retired. "
        "New row{}: {}",
        adopt::tool_name(a.tool), a.table, added.size(), added.size() == 1 ? "" : "s",
        adopt::tool_name(a.tool), adopt::tool_name(a.tool), added.size() == 1 ? "it" : "them", a.table,
        adopt::tool_name(a.tool), added.size() == 1 ? "" : "s", fmt::join(added, "; "));
}

std::string holder_of(db::Connection& c, long long key) {
    auto rows = c.query(
        fmt::format(
            "SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (role %s, application \"%s\")', a.pid, "
            "a.usename, a.application_name), '; ') FROM pg_catalog.pg_locks l JOIN "
            "pg_catalog.pg_stat_activity "
            "a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND "
            "l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
            "pg_catalog.current_database()) "
            "AND l.classid = {} AND l.objid = {} AND l.objsubid = 1",
            (static_cast<unsigned long long>(key) >> 32) & 0xffffffffULL,
            static_cast<unsigned long long>(key) & 0xffffffffULL),
        "naming the old tool's lock holder");
    return rows.empty() ? "" : rows.front().at(0).value_or("");
}

void take(OldToolLocks& locks, const Adoption& a, long long key, std::chrono::milliseconds wait,
          InterruptWatch& interrupt) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
    std::mt19937_64 random(std::random_device{}());
    bool told = false;
    while (true) {
        auto rows =
            locks.connection().query(fmt::format("SELECT pg_catalog.pg_try_advisory_lock({})", key),
                                     fmt::format("taking {}'s advisory lock", adopt::tool_name(a.tool)));
        if (rows.at(0).at(0) == std::optional<std::string>("t")) {
            locks.keys.push_back(key);
            return;
        }
        std::string holder = holder_of(locks.connection(), key);
        if (!told)
            spdlog::warn("{} is running on this database ({}'s advisory lock {} is held by {}); waiting",
                         adopt::tool_name(a.tool), adopt::tool_name(a.tool), key, holder);
        told = true;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            throw Error(ErrorKind::LockTimeout,
                        fmt::format("gave up waiting for {}'s advisory lock {} (its history table {} still "
                                    "exists, so pgsafe runs only while {} does not): held by {}",
                                    adopt::tool_name(a.tool), key, a.table, adopt::tool_name(a.tool),
                                    holder.empty() ? "a session that has just ended" : holder));
        auto pause = std::min<std::chrono::milliseconds>(
            backoff.next(random) + std::chrono::milliseconds(50),
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        if (!interrupt.sleep_for(pause))
            throw Error(ErrorKind::Interrupted,
                        fmt::format("interrupted by {} while waiting for {}'s lock", interrupt.signal_name(),
                                    adopt::tool_name(a.tool)));
    }
}

}  // namespace

OldToolLocks::~OldToolLocks() {
    for (long long key : keys) {
        try {
            m_connection.execute(fmt::format("SELECT pg_catalog.pg_advisory_unlock({})", key),
                                 "releasing an old tool's lock");
        } catch (const std::exception& e) {
            spdlog::debug("{} (the lock ends with the session)", e.what());
        }
    }
}

std::unique_ptr<OldToolLocks> coexist_with_old_tools(db::Connection& reads, const std::string& conninfo,
                                                     std::chrono::milliseconds wait,
                                                     InterruptWatch& interrupt, bool take_locks) {
    std::unique_ptr<OldToolLocks> locks;
    for (const auto& a : adoptions(reads)) {
        if (adopt::resolve_history_table(reads, a.tool, a.table).empty())
            continue;  // retired: no coexistence
        warn_new_rows(reads, a);
        if (!take_locks || !a.lock_key) continue;
        if (!locks)
            locks =
                std::make_unique<OldToolLocks>(open_session(conninfo, "pgsafe migrate (old tool's lock)"));
        take(*locks, a, *a.lock_key, wait, interrupt);
    }
    return locks;
}

}  // namespace pgsafe::runner
