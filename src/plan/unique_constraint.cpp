// ADD UNIQUE and ADD PRIMARY KEY build their index under SHARE (writes wait
// for the whole build). Instead: CREATE UNIQUE INDEX CONCURRENTLY outside a
// transaction, then ADD CONSTRAINT … USING INDEX (a brief lock). A primary
// key's columns are made NOT NULL the safe way first, or USING INDEX would
// scan for NULLs under ACCESS EXCLUSIVE. Partitioned tables are left alone:
// PostgreSQL cannot build their indexes CONCURRENTLY.

#include "rewrite.hpp"

#include <fmt/format.h>

namespace pgsafe::plan::detail {
namespace {

const char* rule_for(const sql::Constraint& c) {
    return c.kind == sql::ConstraintKind::PrimaryKey ? rules::rule_id::k_adding_primary_key_constraint
                                                     : rules::rule_id::k_disallowed_unique_constraint;
}

bool needs_index(const sql::AlterTableAction& action) {
    if (action.kind != sql::AlterKind::AddConstraint || !action.constraint) return false;
    const auto& c = *action.constraint;
    return (c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Unique) &&
           c.using_index.empty() && !c.columns.empty();
}

bool added_here(const sql::AlterTable& alter, const std::string& column) {
    for (const auto& action : alter.actions) {
        if (action.kind == sql::AlterKind::AddColumn && action.column_def &&
            action.column_def->name == column)
            return true;
    }
    return false;
}

// Columns the statement itself sets NOT NULL: set_not_null gives them their helper CHECK.
bool set_not_null_here(const sql::AlterTable& alter, const std::string& column) {
    for (const auto& action : alter.actions) {
        if (action.kind == sql::AlterKind::SetNotNull && action.column == column) return true;
    }
    return false;
}

}  // namespace

bool unique_constraints(const RewriteContext& ctx, AlterRewrite& rw) {
    if (!ctx.found(rules::rule_id::k_disallowed_unique_constraint) &&
        !ctx.found(rules::rule_id::k_adding_primary_key_constraint))
        return false;
    if (ctx.partitioned(rw.alter.table)) {
        ctx.declined =
            "kept as written: PostgreSQL cannot build a unique index CONCURRENTLY on a partitioned table";
        return false;
    }
    const auto& actions = rw.alter.actions;
    struct Planned {
        std::size_t action;
        std::string name;
        std::string index_sql;
    };
    std::vector<Planned> planned;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (!needs_index(actions[i])) continue;
        auto name = rw.edit.constraint_name(i);
        if (!name) return false;
        // The index is built before the statement runs: its name must be free then.
        bool chosen = actions[i].constraint->name.empty();
        auto clash = ctx.name_clash(rw.alter.table, *name, chosen);
        // A chosen name must be free of constraints too (ChooseRelationName for a constraint).
        if (!clash && chosen) clash = ctx.constraint_name_taken(rw.alter.table, *name);
        if (clash) {
            ctx.declined =
                "kept as written: the unique index would be built under a name that may be "
                "taken: " +
                *clash;
            return false;
        }
        // ... and its columns must exist then.
        for (const auto& column : actions[i].constraint->columns) {
            if (added_here(rw.alter, column)) {
                ctx.declined = fmt::format(
                    "kept as written: the statement adds column \"{}\", so no index on it can be built "
                    "before the statement runs",
                    column);
                return false;
            }
        }
        auto index_sql = rw.edit.unique_index_for(i, *name);
        if (!index_sql) return false;
        planned.push_back({i, *name, *index_sql});
    }
    if (planned.empty()) return false;
    for (const auto& p : planned) {
        const sql::Constraint& c = *actions[p.action].constraint;
        const char* rule = rule_for(c);
        if (c.kind == sql::ConstraintKind::PrimaryKey) {
            for (const auto& column : c.columns) {
                // One helper per column and plan: a column the statement also sets NOT NULL
                // already has its helper CHECK from set-not-null, validated before the statement.
                if (set_not_null_here(rw.alter, column) && ctx.found(rules::rule_id::k_setting_not_null))
                    continue;
                for (auto& u : not_null_units(rw.alter.table, column, rule))
                    rw.before.push_back(std::move(u));
            }
        }
        Unit index;
        index.sql = p.index_sql;
        index.boundary = Boundary::None;
        index.online = true;
        index.rule = rule;
        index.index = ctx.sibling(rw.alter.table, p.name);
        index.why = "builds the unique index while reads and writes go on";
        rw.before.push_back(std::move(index));
        rw.edit.use_index(p.action, p.name);
        if (!rw.rule) {
            rw.rule = rule;
            rw.why = "turns the finished index into the constraint: a brief lock";
        }
    }
    return true;
}

}  // namespace pgsafe::plan::detail
