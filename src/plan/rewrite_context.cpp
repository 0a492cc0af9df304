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

namespace {

// The runner walks the key in its btree order, each batch the next keys
// after the last one done, which it keeps as text: any key type works whose
// text form reads back as the same value in any session. Floating point
// (extra_float_digits) and money (lc_monetary) do not.
const std::vector<std::string> k_unstable_text = {"real", "double precision", "money"};

bool has_expression(const analysis::IndexFact& index) {
    return std::any_of(index.columns.begin(), index.columns.end(),
                       [](const std::string& c) { return c.empty(); });
}

bool types_known(const analysis::IndexFact& index) {
    return index.types.size() == index.columns.size() &&
           std::none_of(index.types.begin(), index.types.end(),
                        [](const std::string& t) { return t.empty(); });
}

// The first key column whose type's text form does not read back, or nullopt.
std::optional<std::size_t> unstable_column(const analysis::IndexFact& index) {
    for (std::size_t i = 0; i < index.types.size(); ++i) {
        if (std::find(k_unstable_text.begin(), k_unstable_text.end(), index.types[i]) !=
            k_unstable_text.end())
            return i;
    }
    return std::nullopt;
}

}  // namespace

std::string BatchKey::describe() const {
    std::string columns = fmt::format("({})", fmt::join(this->columns, ", "));
    if (unique_index.empty()) return columns;
    return fmt::format("{}, the unique index \"{}\" (the table has no primary key)", columns, unique_index);
}

std::optional<BatchKey> RewriteContext::batch_key(const sql::RelationName& table) const {
    if (names.reshaped(table)) {
        declined =
            "kept as written: an earlier statement renamed, dropped or retyped a column of the table or "
            "changed its constraints, so its primary key is not known for certain";
        return std::nullopt;
    }
    const auto* fact = pending.created(table) ? nullptr : facts.find(table);
    if (fact == nullptr) {
        declined =
            "kept as written: running it in batches needs the table's primary key and its types "
            "(give --db or --stats)";
        return std::nullopt;
    }
    for (const auto& index : fact->indexes) {
        if (!index.primary) continue;
        if (has_expression(index)) {
            declined = "kept as written: the table's primary key has an expression, and batches walk columns";
            return std::nullopt;
        }
        if (!types_known(index)) {
            declined = fmt::format(
                "kept as written: the type of the primary key ({}) is not known (give --db, or a snapshot "
                "from this version's `pgsafe stats export`)",
                fmt::join(index.columns, ", "));
            return std::nullopt;
        }
        if (auto i = unstable_column(index)) {
            declined = fmt::format(
                "kept as written: the primary key column \"{}\" is {}, whose text form does not always read "
                "back as the same value, and batches resume from the last key as text",
                index.columns[*i], index.types[*i]);
            return std::nullopt;
        }
        return BatchKey{index.columns, index.types, ""};
    }
    // No primary key: a unique index over NOT NULL columns orders and names
    // every row as well (a NULL key would be skipped by `key > last`).
    const analysis::IndexFact* best = nullptr;
    for (const auto& index : fact->indexes) {
        if (!index.unique || !index.valid || index.partial != std::optional<bool>(false) ||
            index.not_null != std::optional<bool>(true) || has_expression(index) || !types_known(index) ||
            unstable_column(index) || names.index_dropped(sql::RelationName{fact->schema, index.name}))
            continue;
        if (std::any_of(index.columns.begin(), index.columns.end(),
                        [&](const std::string& c) { return names.made_nullable(table, c); }))
            continue;
        if (best == nullptr || index.columns.size() < best->columns.size()) best = &index;
    }
    if (best != nullptr) return BatchKey{best->columns, best->types, best->name};
    declined =
        "kept as written: the table has no primary key and no unique index over NOT NULL columns (without "
        "WHERE or expressions, of a type whose text form reads back), and running it in batches needs one to "
        "walk the rows in order";
    return std::nullopt;
}

sql::RelationName RewriteContext::sibling(const sql::RelationName& table, const std::string& name) const {
    return sql::RelationName{table.schema, name};
}

}  // namespace pgsafe::plan::detail
