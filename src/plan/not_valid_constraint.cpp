// FOREIGN KEY and CHECK constraints are added NOT VALID (a brief lock, no
// scan) and validated in a transaction of their own, under SHARE UPDATE
// EXCLUSIVE, so reads and writes go on while the rows are checked. Inline
// REFERENCES / CHECK on ADD COLUMN cannot be NOT VALID: they become ADD
// CONSTRAINT subcommands of the same statement. Unnamed constraints get the
// name PostgreSQL would give them, so the result is the same schema.

#include "rewrite.hpp"

#include <fmt/format.h>

#include <set>

namespace pgsafe::plan::detail {
namespace {

const char* k_fk_rule = rules::rule_id::k_adding_foreign_key_constraint;
const char* k_check_rule = rules::rule_id::k_constraint_missing_not_valid;

bool validating(const sql::Constraint& c) {
    return (c.kind == sql::ConstraintKind::ForeignKey || c.kind == sql::ConstraintKind::Check) &&
           !c.not_valid;
}

bool inline_validating(const sql::AlterTableAction& action) {
    if (action.kind != sql::AlterKind::AddColumn || !action.column_def) return false;
    for (const auto& c : action.column_def->constraints) {
        if (validating(c)) return true;
    }
    return false;
}

bool adds_foreign_key(const std::vector<sql::AlterTableAction>& actions) {
    for (const auto& action : actions) {
        if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
            action.constraint->kind == sql::ConstraintKind::ForeignKey)
            return true;
        if (action.kind == sql::AlterKind::AddColumn && action.column_def) {
            for (const auto& c : action.column_def->constraints)
                if (c.kind == sql::ConstraintKind::ForeignKey) return true;
        }
    }
    return false;
}

Unit validate_unit(const sql::RelationName& table, const std::string& name, const char* rule) {
    Unit u;
    u.sql = sql::validate_constraint_sql(table, name);
    u.boundary = Boundary::Own;
    u.online = true;
    u.rule = rule;
    u.why =
        fmt::format("checks the existing rows of \"{}\" under SHARE UPDATE EXCLUSIVE: reads and writes go on",
                    table.name);
    return u;
}

}  // namespace

bool not_valid_constraints(const RewriteContext& ctx, AlterRewrite& rw) {
    if (!ctx.found(k_fk_rule) && !ctx.found(k_check_rule)) return false;
    const auto& actions = rw.alter.actions;
    if (ctx.partitioned(rw.alter.table) && adds_foreign_key(actions)) {
        ctx.declined =
            "kept as written: PostgreSQL 15 cannot add a foreign key NOT VALID to a partitioned table";
        return false;
    }
    // Name everything first: if one cannot be named, change nothing. PostgreSQL numbers a chosen name
    // that is taken (t_a_check1); pgsafe names them without, so two chosen alike in the statement are
    // declined, and so is one a constraint of the schema holds (constraint_name_taken, below).
    std::vector<std::pair<std::size_t, std::string>> named;
    std::set<std::string> chosen;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (actions[i].kind != sql::AlterKind::AddConstraint || !actions[i].constraint) continue;
        if (!validating(*actions[i].constraint)) continue;
        auto name = rw.edit.constraint_name(i);
        if (!name) return false;
        if (!chosen.insert(*name).second) {
            ctx.declined = fmt::format(
                "kept as written: PostgreSQL may number the constraint's name (\"{}1\"), as another unnamed "
                "constraint of \"{}\" may hold \"{}\"; name the constraint to get the safe form",
                *name, rw.alter.table.name, *name);
            return false;
        }
        named.emplace_back(i, *name);
    }
    std::vector<std::string> unnamed_chosen;  // the names PostgreSQL would have chosen
    for (const auto& [i, name] : named)
        if (actions[i].constraint->name.empty()) unnamed_chosen.push_back(name);
    std::vector<Unit> validates;
    for (const auto& [i, name] : named) {
        rw.edit.make_not_valid(i, name);
        const char* rule =
            actions[i].constraint->kind == sql::ConstraintKind::ForeignKey ? k_fk_rule : k_check_rule;
        validates.push_back(validate_unit(rw.alter.table, name, rule));
    }
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (!inline_validating(actions[i])) continue;
        auto names = rw.edit.split_column_constraints(i);
        if (!names) return false;  // nothing was changed for this column; earlier edits stand alone
        std::size_t k = 0;
        for (const auto& c : actions[i].column_def->constraints) {
            if (!validating(c)) continue;
            const char* rule = c.kind == sql::ConstraintKind::ForeignKey ? k_fk_rule : k_check_rule;
            if (c.name.empty()) unnamed_chosen.push_back((*names)[k]);
            validates.push_back(validate_unit(rw.alter.table, (*names)[k++], rule));
        }
    }
    for (const auto& name : unnamed_chosen) {
        if (auto taken = ctx.constraint_name_taken(rw.alter.table, name)) {
            ctx.declined = fmt::format(
                "kept as written: PostgreSQL would name the constraint \"{}\" only if no constraint of the "
                "schema holds that name, else number it, and {}; name the constraint to get the safe form",
                name, *taken);
            return false;  // the statement is planned again without this rewrite
        }
    }
    if (validates.empty()) return false;
    if (!rw.rule) rw.rule = validates.front().rule;
    rw.why = "adds the constraint NOT VALID: a brief lock, no scan";
    for (auto& u : validates) rw.after.push_back(std::move(u));
    return true;
}

}  // namespace pgsafe::plan::detail
