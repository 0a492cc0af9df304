// The facts a rewrite asks about a table: partitioned or not, unique indexes.

#include "rewrite.hpp"

#include <algorithm>

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
    if (const auto* fact = pending.created(table) ? nullptr : facts.find(table)) {
        for (const auto& index : fact->indexes) {
            if (index.primary && index.columns.size() == 1 && !index.columns[0].empty())
                return index.columns[0];
        }
    }
    declined =
        "kept as written: running it in batches needs the table's single-column primary key "
        "(give --db or --stats)";
    return std::nullopt;
}

std::string RewriteContext::sibling(const sql::RelationName& table, const std::string& name) const {
    return sql::RelationName{table.schema, name}.qualified();
}

}  // namespace pgsafe::plan::detail
