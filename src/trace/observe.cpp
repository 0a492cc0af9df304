// The catalog and pg_locks queries behind `pgsafe trace`. The system
// schemas are left out: every statement touches pg_class and friends, and
// so do these queries themselves.

#include "observe.hpp"

#include <fmt/format.h>

namespace pgsafe::trace {
namespace {

constexpr const char* k_user_schema =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

Oid as_oid(const std::optional<std::string>& text) {
    return text ? std::stoll(*text) : 0;
}

}  // namespace

std::string literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

Relations snapshot_relations(db::Connection& connection) {
    auto rows = connection.query(
        fmt::format("SELECT c.oid::bigint, n.nspname || '.' || c.relname, c.relkind, "
                    "c.relfilenode::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                    "FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {}",
                    k_user_schema),
        "listing relations");
    Relations out;
    for (const auto& row : rows) {
        Relation r;
        r.name = row.at(1).value_or("");
        r.kind = row.at(2).value_or("r").at(0);
        r.relfilenode = row.at(3).value_or("0");
        r.quoted = row.at(4).value_or("");
        r.user = r.kind == 'r' || r.kind == 'p' || r.kind == 'm' || r.kind == 'v' || r.kind == 'f';
        out[as_oid(row.at(0))] = std::move(r);
    }
    return out;
}

Locks session_locks(db::Connection& connection, int pid, bool granted_only) {
    auto rows = connection.query(
        fmt::format(
            "SELECT l.relation::bigint, l.mode FROM pg_locks l "
            "LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE l.locktype = 'relation' AND l.pid = {} "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (n.nspname IS NULL OR ({})){}",
            pid, k_user_schema, granted_only ? " AND l.granted" : ""),
        "reading pg_locks");
    Locks out;
    for (const auto& row : rows) {
        auto mode = sql::lock_mode_from_name(row.at(1).value_or(""));
        if (!mode) continue;
        sql::LockMode& held = out[as_oid(row.at(0))];
        held = std::max(held, *mode);
    }
    return out;
}

void resolve_model(db::Connection& connection, const analysis::Effects& model,
                   std::map<std::string, Oid>& out) {
    for (const auto& lock : model.locks) {
        if (lock.relation.empty() || out.count(lock.relation.qualified())) continue;
        std::string name = "quote_ident(" + literal(lock.relation.name) + ")";
        if (!lock.relation.schema.empty())
            name = "quote_ident(" + literal(lock.relation.schema) + ") || '.' || " + name;
        auto rows = connection.query("SELECT to_regclass(" + name + ")::oid::bigint", "resolving a relation");
        if (!rows.empty() && rows[0].at(0)) out[lock.relation.qualified()] = as_oid(rows[0].at(0));
    }
}

std::vector<std::string> tables_to_hold(db::Connection& connection,
                                        const std::map<std::string, Oid>& resolved) {
    std::string oids;
    for (const auto& [name, oid] : resolved) oids += (oids.empty() ? "" : ", ") + std::to_string(oid);
    if (oids.empty()) return {};
    auto rows = connection.query(
        fmt::format(
            "SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND c.oid IN "
            "(SELECT coalesce(i.indrelid, r.oid) FROM unnest(ARRAY[{}]::oid[]) r(oid) "
            "LEFT JOIN pg_index i ON i.indexrelid = r.oid)",
            oids),
        "finding the tables to hold");
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.at(0).value_or(""));
    return out;
}

bool waits_for_lock(db::Connection& connection, int pid) {
    auto rows = connection.query(
        fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {} AND wait_event_type = 'Lock'", pid),
        "reading pg_stat_activity");
    return rows.at(0).at(0).value_or("0") != "0";
}

const char* relation_kind_name(char relkind) {
    switch (relkind) {
        case 'r': return "table";
        case 'p': return "partitioned table";
        case 'i': return "index";
        case 'I': return "partitioned index";
        case 'S': return "sequence";
        case 'v': return "view";
        case 'm': return "materialized view";
        case 'f': return "foreign table";
        case 't': return "toast table";
        case 'c': return "composite type";
        default: return "relation";
    }
}

const char* pg_lock_name(sql::LockMode mode) {
    switch (mode) {
        case sql::LockMode::None: return "";
        case sql::LockMode::AccessShare: return "AccessShareLock";
        case sql::LockMode::RowShare: return "RowShareLock";
        case sql::LockMode::RowExclusive: return "RowExclusiveLock";
        case sql::LockMode::ShareUpdateExclusive: return "ShareUpdateExclusiveLock";
        case sql::LockMode::Share: return "ShareLock";
        case sql::LockMode::ShareRowExclusive: return "ShareRowExclusiveLock";
        case sql::LockMode::Exclusive: return "ExclusiveLock";
        case sql::LockMode::AccessExclusive: return "AccessExclusiveLock";
    }
    return "";
}

}  // namespace pgsafe::trace
