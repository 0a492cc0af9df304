// The facts a rewrite asks about a table: partitioned or not, unique indexes.

#include "rewrite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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

std::optional<BatchKey> RewriteContext::batch_key(const sql::RelationName& table) const {
    // The runner walks the key in its btree order, each batch the next keys
    // after the last one done, which it keeps as text: any key type works
    // whose text form reads back as the same value in any session. Floating
    // point (extra_float_digits) and money (lc_monetary) do not.
    static const std::vector<std::string> k_unstable_text = {"real", "double precision", "money"};
    if (names.reshaped(table)) {
        declined =
            "kept as written: an earlier statement renamed, dropped or retyped a column of the table or "
            "changed its constraints, so its primary key is not known for certain";
        return std::nullopt;
    }
    if (const auto* fact = pending.created(table) ? nullptr : facts.find(table)) {
        for (const auto& index : fact->indexes) {
            if (!index.primary) continue;
            if (std::any_of(index.columns.begin(), index.columns.end(),
                            [](const std::string& c) { return c.empty(); })) {
                declined =
                    "kept as written: the table's primary key has an expression, and batches walk columns";
                return std::nullopt;
            }
            if (index.types.size() != index.columns.size() ||
                std::any_of(index.types.begin(), index.types.end(),
                            [](const std::string& t) { return t.empty(); })) {
                declined = fmt::format(
                    "kept as written: the type of the primary key ({}) is not known (give --db, or a "
                    "snapshot "
                    "from this version's `pgsafe stats export`)",
                    fmt::join(index.columns, ", "));
                return std::nullopt;
            }
            for (std::size_t i = 0; i < index.types.size(); ++i) {
                for (const auto& unstable : k_unstable_text) {
                    if (index.types[i] != unstable) continue;
                    declined = fmt::format(
                        "kept as written: the primary key column \"{}\" is {}, whose text form does not "
                        "always read back as the same value, and batches resume from the last key as text",
                        index.columns[i], index.types[i]);
                    return std::nullopt;
                }
            }
            return BatchKey{index.columns, index.types};
        }
        declined =
            "kept as written: the table has no primary key, and running it in batches needs one to walk "
            "the rows in order";
        return std::nullopt;
    }
    declined =
        "kept as written: running it in batches needs the table's primary key and its types "
        "(give --db or --stats)";
    return std::nullopt;
}

sql::RelationName RewriteContext::sibling(const sql::RelationName& table, const std::string& name) const {
    return sql::RelationName{table.schema, name};
}

}  // namespace pgsafe::plan::detail
