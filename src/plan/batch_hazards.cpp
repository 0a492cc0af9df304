// What a batched UPDATE / DELETE (or a volatile-default backfill) could do
// differently from the one statement psql runs, read from the table facts
// and the earlier statements: rules and triggers that see the whole
// statement, keys the UPDATE itself moves, constraints checked across rows,
// the SELECT the batches need, and session state the facts were not read
// with. Each returns the step's `why`, or nullopt; an unknown fact declines.

#include "rewrite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace pgsafe::plan::detail {
namespace {

const char* k_kept = "kept as written, not run in batches: ";

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The facts batching needs that the table's facts lack (a snapshot from an older `pgsafe stats export`).
std::vector<std::string> missing_facts(const analysis::TableFact& fact) {
    std::vector<std::string> out;
    if (!fact.triggers) out.push_back("triggers");
    if (!fact.rules) out.push_back("rules");
    if (!fact.generated_columns) out.push_back("generated columns");
    if (!fact.constraints) out.push_back("constraints");
    if (!fact.columns_without_select) out.push_back("column privileges");
    return out;
}

std::string missing_why(const std::vector<std::string>& missing) {
    return fmt::format(
        "{}the table facts do not say its {} (a snapshot from an older `pgsafe stats export`: give --db or "
        "export the snapshot again)",
        k_kept, fmt::join(missing, ", "));
}

// The session the batches run in is not the one the facts describe.
std::optional<std::string> session_hazard(const RewriteContext& ctx) {
    if (ctx.earlier.role)
        return fmt::format(
            "{}an earlier statement changes the role (SET ROLE, SET SESSION AUTHORIZATION, RESET, DISCARD), "
            "and the batches SELECT the key columns to find their keys, which that role may not be allowed "
            "to "
            "do where the statement alone needs no SELECT",
            k_kept);
    if (ctx.earlier.client_encoding)
        return fmt::format(
            "{}an earlier statement sets client_encoding, and the batches carry the key's values as text, "
            "which that encoding may not be able to hold",
            k_kept);
    return std::nullopt;
}

// The batches read the key columns (WHERE key >= $1 and the search for the next keys).
std::optional<std::string> privilege_hazard(const analysis::TableFact& fact, const BatchKey& key) {
    for (const auto& column : key.columns) {
        if (contains(*fact.columns_without_select, column))
            return fmt::format(
                "{}the role pgsafe connects as may not SELECT the key column \"{}\", which the batches read "
                "to "
                "find their keys (the statement alone needs no SELECT)",
                k_kept, column);
    }
    return std::nullopt;
}

std::optional<std::string> rule_hazard(const RewriteContext& ctx, const sql::RelationName& table,
                                       const analysis::TableFact& fact, const std::string& event) {
    if (ctx.names.rules_added(table))
        return fmt::format(
            "{}an earlier statement creates or enables a rule, which would be applied to each batch and "
            "could fire once per batch",
            k_kept);
    for (const auto& rule : *fact.rules) {
        if (rule.event == event)
            return fmt::format(
                "{}the table has the rule \"{}\" ON {}, which would be applied to each batch (its actions "
                "run "
                "once per batch, with the batch's WHERE)",
                k_kept, rule.name, event == "update" ? "UPDATE" : "DELETE");
    }
    return std::nullopt;
}

std::optional<std::string> trigger_hazard(const RewriteContext& ctx, const sql::RelationName& table,
                                          const analysis::TableFact& fact, const std::string& event) {
    if (ctx.names.triggers_added(table))
        return fmt::format(
            "{}an earlier statement creates or enables a trigger, which could fire per batch or change the "
            "rows the batches walk",
            k_kept);
    for (const auto& t : *fact.triggers) {
        if (!t.fires_on(event)) continue;
        if (!t.row)
            return fmt::format(
                "{}the table has the statement-level trigger \"{}\", which would fire once per "
                "batch",
                k_kept, t.name);
        if (t.transition)
            return fmt::format(
                "{}the table has the trigger \"{}\" with transition tables (REFERENCING), which would see "
                "one "
                "batch's rows, not the statement's",
                k_kept, t.name);
        if (event == "update" && t.timing == "before")
            return fmt::format(
                "{}the table has the BEFORE UPDATE trigger \"{}\", which may change the key (the batches "
                "would "
                "meet moved rows again) or any other column",
                k_kept, t.name);
    }
    return std::nullopt;
}

// An UPDATE that sets a column a cross-row check reads: unique and exclusion
// indexes (checked row by row in the scan's order, or at the end of the
// statement when deferrable), foreign keys (at the end of the statement).
std::optional<std::string> update_constraint_hazard(const analysis::TableFact& fact,
                                                    const std::vector<std::string>& assigned) {
    // A generated column may change with any column the UPDATE sets.
    std::vector<std::string> changed = assigned;
    if (!assigned.empty())
        changed.insert(changed.end(), fact.generated_columns->begin(), fact.generated_columns->end());
    for (const auto& c : *fact.constraints) {
        for (const auto& column : changed) {
            if (!c.uses(column)) continue;
            std::string what = c.kind == "unique" ? fmt::format("the unique index \"{}\"", c.name)
                               : c.kind == "exclusion"
                                   ? fmt::format("the exclusion constraint \"{}\"", c.name)
                               : c.kind == "foreign key"
                                   ? fmt::format("the foreign key \"{}\"", c.name)
                                   : fmt::format("the foreign key \"{}\" that references the table", c.name);
            return fmt::format(
                "{}it changes \"{}\", which {} checks against other rows: the one statement is checked as a "
                "whole (at its end, or row by row in its own order), each batch alone, so batches can fail "
                "where the statement succeeds",
                k_kept, column, what);
        }
    }
    return std::nullopt;
}

std::optional<std::string> delete_constraint_hazard(const analysis::TableFact& fact) {
    for (const auto& c : *fact.constraints) {
        if (c.kind != "referenced by foreign key") continue;
        return fmt::format(
            "{}the foreign key \"{}\" references the table: the one statement checks (or cascades) it once "
            "for all its rows, a batch that deletes rows still referenced by later batches fails, and "
            "ON DELETE actions run per batch",
            k_kept, c.name);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> data_change_hazard(const RewriteContext& ctx, const sql::DataChange& change,
                                              const std::vector<std::string>& assigned, const BatchKey& key) {
    if (auto h = session_hazard(ctx)) return h;
    const auto* fact = ctx.facts.find(change.table);
    if (fact == nullptr) return std::string(k_kept) + "the table facts do not describe the table";
    auto missing = missing_facts(*fact);
    if (!missing.empty()) return missing_why(missing);
    const bool update = change.kind == sql::DataChangeKind::Update;
    const std::string event = update ? "update" : "delete";
    if (auto h = privilege_hazard(*fact, key)) return h;
    if (auto h = rule_hazard(ctx, change.table, *fact, event)) return h;
    if (auto h = trigger_hazard(ctx, change.table, *fact, event)) return h;
    if (ctx.names.constraints_added(change.table))
        return fmt::format(
            "{}an earlier statement adds a unique, exclusion or foreign key constraint (or a partition or "
            "child) that the table facts do not show, which could check the rows across batches",
            k_kept);
    if (update) {
        for (const auto& column : key.columns) {
            if (contains(*fact->generated_columns, column))
                return fmt::format(
                    "{}the key column \"{}\" is a generated column, which the UPDATE may move ahead of the "
                    "batches' walk (rows would be changed again)",
                    k_kept, column);
        }
        return update_constraint_hazard(*fact, assigned);
    }
    return delete_constraint_hazard(*fact);
}

std::optional<std::string> backfill_hazard(const RewriteContext& ctx, const sql::RelationName& table,
                                           const BatchKey& key) {
    if (auto h = session_hazard(ctx)) return h;
    const auto* fact = ctx.facts.find(table);
    if (fact == nullptr) return std::string(k_kept) + "the table facts do not describe the table";
    std::vector<std::string> missing;
    if (!fact->rules) missing.push_back("rules");
    if (!fact->columns_without_select) missing.push_back("column privileges");
    if (!missing.empty()) return missing_why(missing);
    if (auto h = privilege_hazard(*fact, key)) return h;
    return rule_hazard(ctx, table, *fact, "update");
}

}  // namespace pgsafe::plan::detail
