// setting-not-null: ALTER COLUMN … SET NOT NULL scans every row for NULLs while
// holding ACCESS EXCLUSIVE. Since PostgreSQL 12 a validated CHECK (col IS NOT
// NULL) lets it skip the scan, so that path (NOT VALID → VALIDATE) is not flagged.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/rules/safe_forms.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace pgsafe::rules {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Whether a CHECK constraint is exactly `column IS NOT NULL`, the form PostgreSQL
// uses to skip SET NOT NULL's scan.
bool is_not_null_check(const sql::Constraint& c, const std::string& column) {
    return c.kind == sql::ConstraintKind::Check && c.expr.not_null_column == column;
}

// A constraint this file does not define counts as CHECK (column IS NOT NULL)
// when its name says so: it mentions both the column and "null".
bool names_not_null_check(const std::string& constraint, const std::string& column) {
    std::string name = lower(constraint);
    return name.find(lower(column)) != std::string::npos && name.find("null") != std::string::npos;
}

// What earlier statements of this file did about CHECK (column IS NOT NULL).
struct NotNullCheck {
    bool validated = false;     // one is valid now: SET NOT NULL skips its scan (PG 12+)
    std::string not_yet_valid;  // else the name of one still NOT VALID, if any
};

// Earlier in this file: a CHECK (column IS NOT NULL) on the table that is now
// validated, or a VALIDATE of a constraint not added here whose name says it is
// one (the NOT VALID half usually sits in an earlier migration).
// Whether an earlier ALTER TABLE of this file (before statement `before`) added
// a constraint of that name: then a VALIDATE of it is not a CHECK from elsewhere.
bool added_in_file(const Context& ctx, const sql::RelationName& table, const std::string& name,
                   size_t before) {
    for (size_t i : ctx.alter_tables_named(table.name)) {
        if (i >= before) break;
        const auto& alter = std::get<sql::AlterTable>(ctx.statements()[i].statement->detail);
        for (const auto& action : alter.actions) {
            if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
                action.constraint->name == name)
                return true;
        }
    }
    return false;
}

NotNullCheck not_null_check(const Context& ctx, const sql::RelationName& table, const std::string& column) {
    struct Seen {
        bool is_not_null = false;
        bool validated = false;
    };
    // Only CHECK (column IS NOT NULL) constraints are tracked, so walking a
    // table's many other ALTERs allocates nothing.
    std::map<std::string, Seen> checks;  // constraint name -> what we know
    for (size_t i : ctx.constraint_alters_named(table.name)) {
        if (i >= ctx.index()) break;
        const auto& alter = std::get<sql::AlterTable>(ctx.statements()[i].statement->detail);
        if (!alter.table.may_be(table)) continue;
        for (const auto& action : alter.actions) {
            if (action.kind == sql::AlterKind::AddConstraint && action.constraint &&
                !action.constraint->name.empty()) {
                if (is_not_null_check(*action.constraint, column))
                    checks[action.constraint->name] = Seen{true, !action.constraint->not_valid};
                else if (!checks.empty())
                    checks.erase(action.constraint->name);
            }
            if (action.kind == sql::AlterKind::ValidateConstraint) {
                auto it = checks.find(action.name);
                if (it != checks.end()) {
                    it->second.validated = true;
                } else if (names_not_null_check(action.name, column) &&
                           !added_in_file(ctx, table, action.name, i)) {
                    checks[action.name] = Seen{true, true};
                }
            }
            if (action.kind == sql::AlterKind::DropConstraint && !checks.empty()) checks.erase(action.name);
        }
    }
    NotNullCheck out;
    for (const auto& [name, seen] : checks) {
        if (seen.validated)
            out.validated = true;
        else
            out.not_yet_valid = name;
    }
    return out;
}

void report(const Context& ctx, Emitter& emit, const sql::RelationName& table,
            const sql::AlterTableAction& action, const NotNullCheck& existing) {
    bool skips_scan_with_check = ctx.options().pg_version >= 12;
    std::string t = table.qualified();
    std::string help;
    std::optional<std::string> fix;
    if (!skips_scan_with_check) {
        help = fmt::format(
            "Before PostgreSQL 12 SET NOT NULL always scans: keep a validated CHECK ({} IS NOT NULL) "
            "constraint instead, or run this in a maintenance window.",
            action.column);
    } else if (!existing.not_yet_valid.empty()) {
        help = fmt::format(
            "The CHECK \"{}\" is still NOT VALID, so PostgreSQL cannot use it: VALIDATE it in its own "
            "transaction first, then SET NOT NULL skips the scan; drop the CHECK after.",
            existing.not_yet_valid);
        fix = fmt::format(
            "ALTER TABLE {0} VALIDATE CONSTRAINT {1};  -- in its own transaction\n"
            "ALTER TABLE {0} ALTER COLUMN {2} SET NOT NULL;\n"
            "ALTER TABLE {0} DROP CONSTRAINT {1};",
            t, existing.not_yet_valid, action.column);
    } else {
        help = fmt::format(
            "Add CHECK ({} IS NOT NULL) NOT VALID, VALIDATE it in its own transaction, then SET NOT "
            "NULL (it skips the scan since PostgreSQL 12) and drop the CHECK (pgsafe migrate does "
            "this for you).",
            action.column);
        // The steps pgsafe migrate runs, with its helper's name (src/plan/set_not_null.cpp).
        fix = fmt::format(
            "ALTER TABLE {0} ADD CONSTRAINT {1} CHECK ({2} IS NOT NULL) NOT VALID;\n"
            "ALTER TABLE {0} VALIDATE CONSTRAINT {1};  -- in its own transaction\n"
            "ALTER TABLE {0} ALTER COLUMN {2} SET NOT NULL;\n"
            "ALTER TABLE {0} DROP CONSTRAINT {1};",
            t, not_null_helper_name(table, action.column), action.column);
    }
    emit.report(
        {action.span,
         fmt::format("SET NOT NULL takes ACCESS EXCLUSIVE on {} and scans every row to check \"{}\" for "
                     "NULLs: reads and writes wait until the scan ends",
                     ctx.describe(table), action.column),
         help, table, fix, sql::LockMode::AccessExclusive});
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::SetNotNull) continue;
        NotNullCheck existing = not_null_check(ctx, alter->table, action.column);
        if (ctx.options().pg_version >= 12 && existing.validated) continue;
        report(ctx, emit, alter->table, action, existing);
    }
}

}  // namespace

Rule setting_not_null() {
    return Rule{
        RuleInfo{rule_id::k_setting_not_null, "Setting NOT NULL on a column of an existing table",
                 RuleGroup::Availability, Severity::Error, true,
                 "ACCESS EXCLUSIVE on the table while every row is scanned for NULLs",
                 "CHECK (col IS NOT NULL) NOT VALID → VALIDATE → SET NOT NULL (no scan since PG 12) → "
                 "DROP the CHECK"},
        check};
}

}  // namespace pgsafe::rules
