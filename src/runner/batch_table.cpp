// The table a batched step walks, read before the first batch (batch_table.hpp).

#include "batch_table.hpp"

#include "sql_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgsafe::runner {

std::vector<std::string> statement_triggers(Executor& work, const plan::Batch& b) {
    auto rows = work.query(
        fmt::format(
            "SELECT t.tgname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND "
            "c.relname = {} AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype::pg_catalog.int4 & "
            "1) = 0 "
            "AND (t.tgtype::pg_catalog.int4 & 24) <> 0 ORDER BY 1",
            literal(b.schema), literal(b.table)),
        "looking for statement-level triggers");
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.at(0).value_or(""));
    return out;
}

TableNow table_now(Executor& work, const plan::Batch& b) {
    std::vector<std::string> columns;
    for (const auto& k : b.key) columns.push_back(literal(k));
    auto rows = work.query(
        fmt::format(
            "SELECT (SELECT pg_catalog.count(*) = {} FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid "
            "AND "
            "a.attnotnull AND a.attname IN ({})), (SELECT pg_catalog.string_agg(DISTINCT t.tgname, ', ') "
            "FROM "
            "pg_catalog.pg_trigger t WHERE (t.tgrelid = c.oid OR t.tgrelid IN (SELECT relid FROM "
            "pg_catalog.pg_partition_tree(c.oid))) AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND "
            "(t.tgtype::pg_catalog.int4 & 16) <> 0 AND pg_catalog.cardinality(t.tgattr::pg_catalog.int2[]) = "
            "0) FROM "
            "pg_catalog.pg_class c JOIN "
            "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {}",
            b.key.size(), fmt::join(columns, ", "), literal(b.schema), literal(b.table)),
        "checking the table before the batches");
    TableNow now;
    now.key_not_null = true;
    if (rows.empty()) return now;  // no such table: the batches' own query says so
    now.key_not_null = rows[0].at(0) == std::optional<std::string>("t");
    now.update_triggers = rows[0].at(1).value_or("");
    return now;
}

double estimated_rows(Executor& work, const plan::Batch& b) {
    auto rows = work.query(fmt::format("SELECT greatest(c.reltuples, 0)::pg_catalog.float8 FROM "
                                       "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
                                       "n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {}",
                                       literal(b.schema), literal(b.table)),
                           "estimating the rows to walk");
    if (rows.empty() || !rows[0][0]) return 0;
    return std::stod(*rows[0][0]);
}

}  // namespace pgsafe::runner
