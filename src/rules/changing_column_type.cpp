// changing-column-type: ALTER COLUMN … TYPE rewrites the table and rebuilds its
// indexes under ACCESS EXCLUSIVE unless the change is a relabel (varchar → text,
// a wider varchar or numeric, …). The statement names only the new type, so the
// lock model's type_change_rewrites decides, and the message says what would make it free.

#include "catalog.hpp"

#include <fmt/format.h>

#include <optional>

namespace pgsafe::rules {
namespace {

// New types that are a catalog-only relabel from a common old type: a change to
// them is "probably free", and the message says from which old type it is.
bool probably_relabel(const sql::TypeName& type) {
    if (type.array) return false;
    if (!analysis::type_change_rewrites(std::nullopt, type)) return true;  // text, varchar without length
    return type.base() == "numeric" && type.modifiers.empty();
}

// What must hold now for a change to `type` to be free, as "is varchar or text
// now"; nullopt when no old type makes it free (as far as the new type tells).
std::optional<std::string> free_when(const sql::TypeName& type) {
    if (type.array) return std::nullopt;
    const std::string& base = type.base();
    const auto& mods = type.modifiers;
    if (base == "text" || (base == "varchar" && mods.empty())) return std::string("is varchar or text now");
    if (base == "varchar") return fmt::format("is varchar({}) or shorter now", mods[0]);
    if (base == "numeric" && mods.empty()) return std::string("is numeric now");
    if (base == "numeric")
        return fmt::format("is numeric with scale {} and at most {} digits now",
                           mods.size() > 1 ? mods[1] : 0, mods[0]);
    if (base == "varbit" && mods.empty()) return std::string("is bit varying now");
    if (base == "varbit") return fmt::format("is bit varying({}) or shorter now", mods[0]);
    if (base == "inet") return std::string("is cidr now");
    if (base == "timestamptz") return std::string("is timestamp now and the server's TimeZone is UTC");
    return std::nullopt;
}

// The column's type when an earlier statement of this file set it (ADD COLUMN or
// an earlier ALTER COLUMN … TYPE); otherwise pgsafe does not know it.
std::optional<sql::TypeName> known_old_type(const Context& ctx, const sql::RelationName& table,
                                            const std::string& column) {
    std::optional<sql::TypeName> type;
    for (size_t i : ctx.alter_tables_named(table.name)) {
        if (i >= ctx.index()) break;
        const auto* alter = std::get_if<sql::AlterTable>(&ctx.statements()[i].statement->detail);
        if (!alter->table.may_be(table)) continue;
        for (const auto& action : alter->actions) {
            if (action.column != column) continue;
            if ((action.kind == sql::AlterKind::AddColumn ||
                 action.kind == sql::AlterKind::AlterColumnType) &&
                action.column_def)
                type = action.column_def->type;
            if (action.kind == sql::AlterKind::DropColumn) type.reset();
        }
    }
    return type;
}

std::string message(const Context& ctx, const sql::RelationName& table, const sql::AlterTableAction& action,
                    const std::optional<sql::TypeName>& old_type, bool has_using, bool relabel) {
    const sql::TypeName& type = action.column_def->type;
    std::string change = fmt::format(
        "ALTER COLUMN \"{}\" TYPE {}{}{}", action.column, type.display(), has_using ? " USING …" : "",
        old_type ? fmt::format(" (from {})", old_type->display()) : std::string());
    if (relabel)
        return fmt::format(
            "{} is a catalog-only change if \"{}\" {}, but from any other type it rewrites {} "
            "and rebuilds its indexes under ACCESS EXCLUSIVE; pgsafe cannot see the current type",
            change, action.column, *free_when(type), ctx.describe(table));
    std::string out = fmt::format(
        "{} rewrites {} and rebuilds its indexes under ACCESS EXCLUSIVE: reads and "
        "writes wait until it ends",
        change, ctx.describe(table));
    if (has_using) return out + " (USING computes every row again)";
    if (old_type) return out;
    if (auto from = free_when(type))
        return out + fmt::format(", unless \"{}\" {}, which pgsafe cannot see", action.column, *from);
    return out;
}

constexpr const char* k_safe_steps =
    "add a new column of the new type, backfill it in batches, keep it in sync (trigger or application) and "
    "switch over, or run this in a maintenance window.";

std::string help(const sql::AlterTableAction& action, const std::optional<sql::TypeName>& old_type,
                 bool has_using) {
    std::optional<std::string> from = free_when(action.column_def->type);
    if (old_type || has_using || !from) return fmt::format("There is no online form: {}", k_safe_steps);
    return fmt::format(
        "If \"{}\" {}, nothing is rewritten: say so with -- pgsafe:ignore changing-column-type "
        "<reason>. Otherwise there is no online form: {}",
        action.column, *from, k_safe_steps);
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::AlterColumnType || !action.column_def) continue;
        const auto& def = *action.column_def;
        bool has_using = def.default_value && def.default_value->expr.present;
        std::optional<sql::TypeName> old_type = known_old_type(ctx, alter->table, action.column);
        if (old_type && !has_using && !analysis::type_change_rewrites(old_type, def.type)) continue;
        bool relabel = !old_type && !has_using && probably_relabel(def.type);
        emit.report({action.span, message(ctx, alter->table, action, old_type, has_using, relabel),
                     help(action, old_type, has_using), alter->table,
                     fmt::format("ALTER TABLE {0} ADD COLUMN {1}_new {2};\n"
                                 "-- backfill {1}_new in batches, keep it in sync, then swap the columns",
                                 alter->table.qualified(), action.column, def.type.display()),
                     sql::LockMode::AccessExclusive});
    }
}

}  // namespace

Rule changing_column_type() {
    return Rule{RuleInfo{"changing-column-type", "Changing a column's type in a way that rewrites the table",
                         RuleGroup::Availability, Severity::Error, true,
                         "ACCESS EXCLUSIVE on the table while it is rewritten and its indexes rebuilt",
                         "none online: add a new column, backfill in batches, switch over"},
                check};
}

}  // namespace pgsafe::rules
