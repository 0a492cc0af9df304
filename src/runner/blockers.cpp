// Finding and naming the sessions that block a step.

#include "blockers.hpp"

#include "sql_text.hpp"
#include "terminal_text.hpp"

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/sql/ir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace pgsafe::runner {
namespace {

// "SHARE ROW EXCLUSIVE" -> "ShareRowExclusiveLock"
std::string pg_locks_spelling(sql::LockMode mode) {
    std::string out;
    bool upper = true;
    for (const char* c = sql::lock_mode_name(mode); *c != '\0'; ++c) {
        if (*c == ' ') {
            upper = true;
            continue;
        }
        out += upper ? *c : static_cast<char>(*c - 'A' + 'a');
        upper = false;
    }
    return out + "Lock";
}

// The oids of the relations a step locks. Its records keep each as
// "schema.table", which a dot in either name would split wrongly, so
// PostgreSQL finds the (schema, table) pairs spelled that way instead. Only
// when two relations share a spelling ("a"."b.c" and "a.b"."c") are both found.
std::string relation_oids_sql(const std::vector<std::string>& relations) {
    std::vector<std::string> spellings;
    for (const auto& r : relations) spellings.push_back(literal(r));
    return fmt::format(
        "SELECT c.oid FROM pg_catalog.unnest(ARRAY[{}]::pg_catalog.text[]) r(spelling) "
        "JOIN pg_catalog.pg_namespace n ON pg_catalog.left(r.spelling, pg_catalog.length(n.nspname) + 1) = "
        "n.nspname::pg_catalog.text || '.' "
        "JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = pg_catalog.substr(r.spelling, "
        "pg_catalog.length(n.nspname) + 2)",
        fmt::join(spellings, ", "));
}

std::string one_line(const std::string& query) {
    static const std::regex k_space(R"(\s+)");
    return shortened(std::regex_replace(query, k_space, " "), 200);
}

}  // namespace

std::vector<std::string> conflicting_pg_lock_modes(sql::LockMode wanted) {
    std::vector<std::string> out;
    if (wanted == sql::LockMode::None) return out;
    for (int m = 1; m <= static_cast<int>(sql::LockMode::AccessExclusive); ++m) {
        auto held = static_cast<sql::LockMode>(m);
        if (analysis::lock_conflicts(held, wanted)) out.push_back(pg_locks_spelling(held));
    }
    return out;
}

std::vector<Blocker> find_blockers(Executor& connection, const StoredStep& step, bool show_query) {
    std::vector<std::string> modes = conflicting_pg_lock_modes(step.lock_mode);
    if (step.lock_mode == sql::LockMode::RowShare || step.lock_mode == sql::LockMode::RowExclusive) {
        // A step that locks rows also waits for the sessions writing (or locking)
        // the same rows. pg_locks shows row locks only as the holder's
        // transaction, so name every transaction that writes to the table.
        for (const char* m : {"RowShareLock", "RowExclusiveLock"})
            if (std::find(modes.begin(), modes.end(), m) == modes.end()) modes.emplace_back(m);
    }
    if (modes.empty() || step.relations.empty()) return {};
    std::vector<std::string> mode_literals;
    for (const auto& m : modes) mode_literals.push_back(literal(m));
    auto rows = connection.query(
        // pg_locks and pg_stat_activity are read at slightly different moments: a
        // session whose short transaction ended in between shows as idle, and is
        // no longer in the way. pg_locks lists every database's locks, and a
        // relation's oid may repeat in another (one made from this one as its
        // TEMPLATE has the same oids): only this database's locks count. The
        // oldest transaction comes first.
        fmt::format("SELECT * FROM (SELECT DISTINCT ON (a.pid) a.pid, a.usename, coalesce(a.state, ''), "
                    "greatest(0, extract(epoch FROM pg_catalog.clock_timestamp() - coalesce(a.xact_start, "
                    "a.query_start)))"
                    "::pg_catalog.float8 AS age, a.query, a.backend_type "
                    "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_catalog.pg_backend_pid() "
                    "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
                    "pg_catalog.current_database()) "
                    "AND a.state IS DISTINCT FROM 'idle' "
                    "AND l.relation IN ({}) AND l.mode = ANY (ARRAY[{}])) b ORDER BY age DESC",
                    relation_oids_sql(step.relations), fmt::join(mode_literals, ", ")),
        "looking for the sessions that block the step");
    std::vector<Blocker> out;
    for (const auto& r : rows) {
        Blocker b;
        b.pid = r[0].value_or("?");
        b.role = r[1].value_or("?");
        b.state = r[2].value_or("");
        b.seconds = r[3] ? std::stod(*r[3]) : 0.0;
        b.kind = blocker_kind(r[5].value_or(""), r[4].value_or(""));
        // An autovacuum's query says only what it vacuums: always shown.
        if (show_query || b.kind != BlockerKind::Session) b.query = one_line(r[4].value_or(""));
        out.push_back(std::move(b));
    }
    return out;
}

BlockerKind blocker_kind(const std::string& backend_type, const std::string& query) {
    if (backend_type != "autovacuum worker") return BlockerKind::Session;
    return query.find("(to prevent wraparound)") != std::string::npos ? BlockerKind::WraparoundAutovacuum
                                                                      : BlockerKind::Autovacuum;
}

std::string describe_blockers(const std::vector<Blocker>& blockers) {
    if (blockers.empty()) return "no session holds a conflicting lock any more (it was queued behind one)";
    std::vector<std::string> parts;
    for (const auto& b : blockers)
        parts.push_back(fmt::format(
            "pid {} ({}, {} for {:.1f} s){}", b.pid,
            b.kind == BlockerKind::Session      ? "role " + b.role
            : b.kind == BlockerKind::Autovacuum ? std::string("autovacuum worker")
                                                : std::string("autovacuum worker, to prevent wraparound"),
            b.state.empty() ? "unknown state" : b.state, b.seconds, b.query.empty() ? "" : ": " + b.query));
    return fmt::format("{}", fmt::join(parts, "; "));
}

nlohmann::json blockers_json(const std::vector<Blocker>& blockers) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : blockers) {
        nlohmann::json j = {{"pid", b.pid}, {"role", b.role}, {"state", b.state}, {"seconds", b.seconds}};
        if (b.kind != BlockerKind::Session)
            j["autovacuum"] = b.kind == BlockerKind::Autovacuum ? "ordinary" : "to prevent wraparound";
        if (!b.query.empty()) j["query"] = b.query;
        out.push_back(j);
    }
    return out;
}

}  // namespace pgsafe::runner
