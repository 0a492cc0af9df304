// The facts a rewrite asks about a table: partitioned or not, unique indexes.

#include "rewrite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pgsafe::plan::detail {

bool RewriteContext::partitioned(const sql::RelationName& table) const {
    if (pending.created(table)) return pending.partitioned(table);
    const auto* fact = facts.find(table);
    return fact != nullptr && fact->kind == "partitioned table";
}

bool RewriteContext::partitioned_index(const sql::RelationName& index) const {
    if (pending.partitioned_index(index)) return true;
    for (const auto& table : facts.tables()) {
        if (table.kind != "partitioned table" || (!index.schema.empty() && index.schema != table.schema))
            continue;
        for (const auto& i : table.indexes) {
            if (i.name == index.name) return true;
        }
    }
    return false;
}

bool RewriteContext::has_unique_index(const sql::RelationName& relation) const {
    if (pending.has_unique_index(relation)) return true;
    const auto* fact = facts.find(relation);
    if (fact == nullptr) return false;
    return std::any_of(fact->indexes.begin(), fact->indexes.end(), [](const analysis::IndexFact& index) {
        return index.unique && index.valid &&
               std::none_of(index.columns.begin(), index.columns.end(),
                            [](const std::string& c) { return c.empty(); });
    });
}

std::optional<std::string> RewriteContext::batch_key(const sql::RelationName& table) const {
    // The runner walks integer ranges from the key's minimum to its maximum:
    // the key must be the whole primary key, one column, of an integer type.
    static const std::set<std::string> k_integer_types = {"smallint", "integer", "bigint"};
    if (names.reshaped(table)) {
        declined =
            "kept as written: an earlier statement renamed, dropped or retyped a column of the table or "
            "changed its constraints, so its primary key is not known for certain";
        return std::nullopt;
    }
    if (const auto* fact = pending.created(table) ? nullptr : facts.find(table)) {
        for (const auto& index : fact->indexes) {
            if (!index.primary) continue;
            if (index.columns.size() != 1 || index.columns[0].empty()) {
                declined =
                    "kept as written: the table's primary key is not one column, and batches walk "
                    "one integer key";
                return std::nullopt;
            }
            if (index.types.size() != 1 || index.types[0].empty()) {
                declined = fmt::format(
                    "kept as written: the type of the primary key \"{}\" is not known, and batches walk "
                    "integer ranges (give --db, or a snapshot from this version's `pgsafe stats export`)",
                    index.columns[0]);
                return std::nullopt;
            }
            if (k_integer_types.count(index.types[0]) == 0) {
                declined = fmt::format(
                    "kept as written: the primary key \"{}\" is {}, and batches walk integer ranges",
                    index.columns[0], index.types[0]);
                return std::nullopt;
            }
            return index.columns[0];
        }
    }
    declined =
        "kept as written: running it in batches needs the table's single-column integer primary key "
        "(give --db or --stats)";
    return std::nullopt;
}

std::string RewriteContext::sibling(const sql::RelationName& table, const std::string& name) const {
    return sql::RelationName{table.schema, name}.qualified();
}

}  // namespace pgsafe::plan::detail
