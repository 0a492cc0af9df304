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
