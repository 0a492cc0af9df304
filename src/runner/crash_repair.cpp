#include "crash_repair.hpp"

#include "sql_text.hpp"

#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

const sql::Statement* only_statement(const sql::ParsedFile& parsed) {
    if (!parsed.ok() || parsed.statements.size() != 1) return nullptr;
    return &parsed.statements.front();
}

std::string cell(const db::Connection::Row& row, std::size_t i) {
    return row.at(i).value_or("");
}

}  // namespace

std::vector<Leftover> reindex_leftovers(Executor& work, const StoredStep& step) {
    sql::ParsedFile parsed = sql::parse_sql(step.sql, {sql::KeepTree::No});
    const sql::Statement* statement = only_statement(parsed);
    if (statement == nullptr) return {};
    const auto* reindex = std::get_if<sql::Reindex>(&statement->detail);
    if (reindex == nullptr || !reindex->concurrent || reindex->relation.empty()) return {};
    std::string target = literal(qualified(reindex->relation));
    std::string which;
    if (reindex->kind == sql::ReindexKind::Index)
        which = fmt::format("i.indexrelid = pg_catalog.to_regclass({})::pg_catalog.oid", target);
    else if (reindex->kind == sql::ReindexKind::Table)
        which = fmt::format("i.indrelid = pg_catalog.to_regclass({})::pg_catalog.oid", target);
    else
        return {};
    // The leftover's name is the index's own with the suffix, the index's
    // name cut short when the whole would pass 63 bytes.
    auto rows = work.query(
        fmt::format(
            "WITH target AS (SELECT i.indrelid AS tbl, c.relname AS name FROM pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE {}), "
            "left_over AS (SELECT DISTINCT c.oid FROM target t "
            "JOIN pg_catalog.pg_index li ON li.indrelid = t.tbl AND NOT li.indisvalid "
            "JOIN pg_catalog.pg_class c ON c.oid = li.indexrelid, "
            "LATERAL (SELECT pg_catalog.regexp_replace(c.relname, '_cc(new|old)[0-9]*$', '') AS base) b "
            "WHERE c.relname::pg_catalog.text ~ '_cc(new|old)[0-9]*$' AND (b.base = t.name OR "
            "(pg_catalog.octet_length(c.relname) >= 60 AND pg_catalog.starts_with(t.name, b.base)))) "
            "SELECT n.nspname, c.relname FROM left_over l JOIN pg_catalog.pg_class c ON c.oid = l.oid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 2",
            which),
        "checking for indexes an interrupted REINDEX CONCURRENTLY left");
    std::vector<Leftover> out;
    for (const auto& row : rows) {
        std::string schema = cell(row, 0), name = cell(row, 1);
        out.push_back({ident(schema) + "." + ident(name), schema + "." + name});
    }
    return out;
}

std::optional<ConcurrentIndex> concurrent_index(const StoredStep& step) {
    if (!step.index) return std::nullopt;
    sql::ParsedFile parsed = sql::parse_sql(step.sql, {sql::KeepTree::No});
    const sql::Statement* statement = only_statement(parsed);
    if (statement == nullptr) return std::nullopt;
    const auto* create = std::get_if<sql::CreateIndex>(&statement->detail);
    if (create == nullptr || create->table.empty()) return std::nullopt;
    return ConcurrentIndex{create->table, step.index->name, create->if_not_exists};
}

std::string built_index_sql(const ConcurrentIndex& index) {
    return fmt::format(
        "SELECT i.indisvalid, n.nspname, c.relname FROM pg_catalog.pg_index i "
        "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE i.indrelid = pg_catalog.to_regclass({})::pg_catalog.oid AND c.relname = {}",
        literal(qualified(index.table)), literal(index.name));
}

std::optional<BuiltIndex> built_index_of(const Executor::Rows& rows) {
    if (rows.empty() || rows[0].size() < 3) return std::nullopt;
    std::string schema = cell(rows[0], 1), name = cell(rows[0], 2);
    return BuiltIndex{cell(rows[0], 0) == "t", ident(schema) + "." + ident(name), schema + "." + name};
}

std::optional<BuiltIndex> built_index(Executor& work, const ConcurrentIndex& index) {
    return built_index_of(work.query(built_index_sql(index), "checking for the step's index"));
}

std::optional<ConcurrentDetach> concurrent_detach(const StoredStep& step) {
    sql::ParsedFile parsed = sql::parse_sql(step.sql, {sql::KeepTree::No});
    const sql::Statement* statement = only_statement(parsed);
    if (statement == nullptr) return std::nullopt;
    const auto* alter = std::get_if<sql::AlterTable>(&statement->detail);
    if (alter == nullptr || alter->actions.size() != 1) return std::nullopt;
    const auto& action = alter->actions.front();
    if (action.kind != sql::AlterKind::DetachPartition || !action.concurrent || action.partition.empty())
        return std::nullopt;
    return ConcurrentDetach{alter->table, action.partition};
}

DetachState detach_state(Executor& work, const ConcurrentDetach& detach) {
    auto rows = work.query(
        fmt::format(
            "SELECT CASE WHEN x.c IS NULL OR x.p IS NULL THEN 'attached' "
            "WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = x.c) THEN 'detached' "
            "WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = x.c AND inhparent = x.p "
            "AND inhdetachpending) THEN 'pending' ELSE 'attached' END "
            "FROM (SELECT pg_catalog.to_regclass({})::pg_catalog.oid AS c, "
            "pg_catalog.to_regclass({})::pg_catalog.oid AS p) x",
            literal(qualified(detach.partition)), literal(qualified(detach.parent))),
        "checking whether an earlier run detached the partition");
    std::string state = rows.empty() ? "" : cell(rows[0], 0);
    if (state == "pending") return DetachState::Pending;
    if (state == "detached") return DetachState::Detached;
    return DetachState::Attached;
}

std::string finalize_sql(const ConcurrentDetach& detach) {
    return fmt::format("ALTER TABLE {} DETACH PARTITION {} FINALIZE", qualified(detach.parent),
                       qualified(detach.partition));
}

}  // namespace pgsafe::runner
