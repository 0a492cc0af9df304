// adding-field-with-volatile-default: since PostgreSQL 11, ADD COLUMN … DEFAULT
// stores a non-volatile default in the catalog, but a volatile one (random(),
// gen_random_uuid(), clock_timestamp(), nextval(), …) is computed per row: the
// table is rewritten under ACCESS EXCLUSIVE. Before 11, every non-NULL default rewrites.

#include "catalog.hpp"

#include "pgsafe/rules/rule_ids.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace pgsafe::rules {
namespace {

// Functions PostgreSQL (and uuid-ossp, pgcrypto) mark volatile that show up as defaults.
bool known_volatile(const std::string& name) {
    static const char* k_names[] = {"random",           "random_normal",
                                    "gen_random_uuid",  "gen_random_bytes",
                                    "uuid_generate_v1", "uuid_generate_v1mc",
                                    "uuid_generate_v4", "uuidv4",
                                    "uuidv7",           "uuid_generate_v7",
                                    "clock_timestamp",  "timeofday",
                                    "nextval",          "currval",
                                    "lastval",          "setval"};
    return std::any_of(std::begin(k_names), std::end(k_names), [&](const char* n) { return name == n; });
}

// Asks the lock model whether this column's default alone makes ADD COLUMN rewrite
// the table, so lint and `pgsafe plan` agree on which defaults count as volatile.
bool default_rewrites(const sql::RelationName& table, const sql::ColumnDef& column) {
    sql::ColumnDef only_default;
    only_default.name = column.name;
    only_default.type = column.type;
    only_default.default_value = column.default_value;
    sql::AlterTableAction action;
    action.kind = sql::AlterKind::AddColumn;
    action.column_def = only_default;
    sql::AlterTable alter;
    alter.table = table;
    alter.actions.push_back(action);
    sql::Statement statement;
    statement.kind = "AlterTableStmt";
    statement.detail = alter;
    analysis::Effects effects = analysis::statement_effects(statement);
    const analysis::RelationLock* lock = effects.lock_on(table);
    return lock != nullptr && lock->work == analysis::TableWork::Rewrite;
}

bool is_null_literal(const Context& ctx, const sql::ExprInfo& expr) {
    if (!expr.constant) return false;
    std::string_view text = ctx.text(expr.span);
    if (text.size() < 4) return false;
    std::string head(text.substr(0, 4));
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    bool word_ends =
        text.size() == 4 || !(std::isalnum(static_cast<unsigned char>(text[4])) || text[4] == '_');
    return head == "null" && word_ends;
}

// The first function of the default that PostgreSQL declares volatile, if any.
std::optional<std::string> volatile_function(const sql::ExprInfo& expr) {
    for (const auto& f : expr.functions) {
        if (known_volatile(f)) return f;
    }
    return std::nullopt;
}

constexpr const char* k_help =
    "Add the column without a default, SET DEFAULT for new rows, then backfill existing "
    "rows in batches (pgsafe migrate does this for you).";

void report(Emitter& emit, const sql::RelationName& table, const sql::ColumnDef& column, sql::Span span,
            const std::string& message, const std::string& help) {
    emit.report({span, message, help, table,
                 fmt::format("ALTER TABLE {0} ADD COLUMN {1} {2};\n"
                             "ALTER TABLE {0} ALTER COLUMN {1} SET DEFAULT …;\n"
                             "-- then UPDATE {0} SET {1} = … in batches by primary key",
                             table.qualified(), column.name, column.type.display()),
                 sql::LockMode::AccessExclusive});
}

// PostgreSQL 11+: only a volatile default rewrites; a function pgsafe does not
// know may be one (CREATE FUNCTION's default volatility is VOLATILE).
void report_volatile(const Context& ctx, Emitter& emit, const sql::RelationName& table,
                     const sql::ColumnDef& column, sql::Span span) {
    const sql::ExprInfo& expr = column.default_value->expr;
    constexpr const char* k_effect = "reads and writes wait until every row has been written again";
    if (auto f = volatile_function(expr)) {
        report(emit, table, column, span,
               fmt::format(
                   "ADD COLUMN \"{}\" rewrites {} under ACCESS EXCLUSIVE because its default calls {}(), "
                   "which is volatile: {}",
                   column.name, ctx.describe(table), *f, k_effect),
               k_help);
        return;
    }
    std::string what = expr.functions.empty()
                           ? std::string("has a subquery")
                           : fmt::format("calls {}(), which pgsafe does not know", expr.functions.front());
    std::string declared =
        expr.functions.empty() ? std::string("the subquery") : fmt::format("{}()", expr.functions.front());
    report(emit, table, column, span,
           fmt::format(
               "ADD COLUMN \"{}\" may rewrite {} under ACCESS EXCLUSIVE: its default {}, and if that is "
               "volatile (the default for functions) every row is written again while reads and writes wait",
               column.name, ctx.describe(table), what),
           fmt::format(
               "If {} is STABLE or IMMUTABLE nothing is rewritten: say so with -- pgsafe:ignore "
               "adding-field-with-volatile-default <reason>. Otherwise add the column without a default, "
               "SET DEFAULT for new rows, then backfill existing rows in batches (pgsafe migrate does this "
               "for you).",
               declared));
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::AddColumn || !action.column_def) continue;
        const sql::ColumnDef& column = *action.column_def;
        // serial, identity and stored generated columns: adding-serial-or-stored-generated-column.
        if (column.is_serial() || column.is_identity() || column.is_stored_generated()) continue;
        if (!column.default_value || !column.default_value->expr.present) continue;
        const sql::ExprInfo& expr = column.default_value->expr;
        if (ctx.options().pg_version < 11) {
            if (!is_null_literal(ctx, expr))
                report(emit, alter->table, column, action.span,
                       fmt::format(
                           "ADD COLUMN \"{}\" rewrites {} under ACCESS EXCLUSIVE because it has a default "
                           "and PostgreSQL {} writes it into every row: reads and writes wait until the "
                           "rewrite ends",
                           column.name, ctx.describe(alter->table), ctx.options().pg_version),
                       k_help);
            continue;
        }
        if (default_rewrites(alter->table, column))
            report_volatile(ctx, emit, alter->table, column, action.span);
    }
}

}  // namespace

Rule adding_field_with_volatile_default() {
    return Rule{RuleInfo{rule_id::k_adding_field_with_volatile_default,
                         "Adding a column with a volatile default (any default before PostgreSQL 11)",
                         RuleGroup::Availability, Severity::Error, true,
                         "ACCESS EXCLUSIVE on the table while it is rewritten",
                         "ADD COLUMN without default, SET DEFAULT, then backfill in batches"},
                check};
}

}  // namespace pgsafe::rules
