// SET NOT NULL scans the table under ACCESS EXCLUSIVE. Since PostgreSQL 12 it
// skips the scan when a valid CHECK (col IS NOT NULL) proves the column has
// no NULLs, so: add that CHECK NOT VALID, VALIDATE it (rows checked while
// reads and writes go on), SET NOT NULL (brief), then drop the helper.

#include "rewrite.hpp"

#include "pgsafe/rules/safe_forms.hpp"
#include "pgsafe/sql/edit.hpp"

#include <fmt/format.h>

#include <set>

namespace pgsafe::plan::detail {
namespace {

const char* k_rule = rules::rule_id::k_setting_not_null;

}  // namespace

std::vector<Unit> not_null_units(const sql::RelationName& table, const std::string& column,
                                 const std::string& rule) {
    // The helper is named as the rules' fix texts name it.
    const std::string helper = rules::not_null_helper_name(table, column);
    std::vector<Unit> units(4);
    units[0].sql = sql::not_null_check_sql(table, column, helper);
    units[0].why = fmt::format("a CHECK that \"{}\" has no NULLs, NOT VALID: a brief lock, no scan", column);
    units[1].sql = sql::validate_constraint_sql(table, helper);
    units[1].online = true;
    units[1].why = "checks the rows under SHARE UPDATE EXCLUSIVE: reads and writes go on";
    units[2].sql = sql::set_not_null_sql(table, column);
    units[2].why = "the valid CHECK lets PostgreSQL skip the scan: a brief lock";
    units[2].skips_scan = true;
    units[3].sql = sql::drop_constraint_sql(table, helper);
    units[3].why = "drops the helper CHECK; the column is NOT NULL now";
    for (auto& u : units) {
        u.boundary = Boundary::Own;
        u.rule = rule;
    }
    return units;
}

bool set_not_null(const RewriteContext& ctx, AlterRewrite& rw) {
    if (!ctx.found(k_rule)) return false;
    std::vector<Unit> before;
    std::vector<Unit> after;
    std::set<std::string> helpers;
    for (const auto& action : rw.alter.actions) {
        if (action.kind != sql::AlterKind::SetNotNull) continue;
        // Long names are cut to 63 bytes: two columns' helpers may come out the same.
        if (!helpers.insert(rules::not_null_helper_name(rw.alter.table, action.column)).second) {
            ctx.declined = fmt::format(
                "kept as written: the helper CHECKs of two columns would have the same name once cut to 63 "
                "bytes ({})",
                rules::not_null_helper_name(rw.alter.table, action.column));
            return false;
        }
        // The helper CHECK runs before the statement: the column must exist by then.
        for (const auto& other : rw.alter.actions) {
            if (other.kind == sql::AlterKind::AddColumn && other.column_def &&
                other.column_def->name == action.column) {
                ctx.declined = fmt::format(
                    "kept as written: the statement adds column \"{}\", so no CHECK on it can be added "
                    "before the statement runs",
                    action.column);
                return false;
            }
        }
        std::vector<Unit> units = not_null_units(rw.alter.table, action.column, k_rule);
        // The statement itself does SET NOT NULL (with anything else it does); the helper goes after it.
        before.push_back(std::move(units[0]));
        before.push_back(std::move(units[1]));
        after.push_back(std::move(units[3]));
    }
    if (before.empty()) return false;
    for (auto& u : before) rw.before.push_back(std::move(u));
    for (auto& u : after) rw.after.push_back(std::move(u));
    if (!rw.rule) {
        rw.rule = k_rule;
        rw.why = "SET NOT NULL with a valid CHECK in place: no scan, a brief lock";
    }
    return true;
}

}  // namespace pgsafe::plan::detail
