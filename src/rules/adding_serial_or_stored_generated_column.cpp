// adding-serial-or-stored-generated-column: ADD COLUMN of a serial type, an
// identity or a STORED generated column fills every existing row, so it
// rewrites the table under ACCESS EXCLUSIVE. A plain column does not.

#include "catalog.hpp"

#include "pgsafe/rules/safe_forms.hpp"

#include <fmt/format.h>

namespace pgsafe::rules {
namespace {

// The plain integer type behind a serial pseudo-type.
std::string serial_base_type(const sql::TypeName& type) {
    const std::string& base = type.base();
    if (base == "bigserial" || base == "serial8") return "bigint";
    if (base == "smallserial" || base == "serial2") return "smallint";
    return "integer";
}

struct ColumnKind {
    std::string what;  // how the column is described in the message
    std::string fill;  // what the rewrite writes into every row
};

std::optional<ColumnKind> rewriting_kind(const sql::ColumnDef& column) {
    if (column.is_serial())
        return ColumnKind{fmt::format("of type {}", column.type.display()), "a value from its new sequence"};
    if (column.is_identity())
        return ColumnKind{"GENERATED … AS IDENTITY", "a value from its identity sequence"};
    if (column.is_stored_generated())
        return ColumnKind{"GENERATED ALWAYS AS (…) STORED", "the computed value"};
    return std::nullopt;
}

std::string fix_for(const sql::RelationName& table, const sql::ColumnDef& column) {
    const std::string t = table.qualified();
    if (column.is_stored_generated()) {
        return fmt::format(
            "ALTER TABLE {0} ADD COLUMN {1} {2}; -- then a BEFORE INSERT OR UPDATE trigger that "
            "sets {1}, and a batched UPDATE for the existing rows",
            t, column.name, column.type.display());
    }
    std::string type = column.is_serial() ? serial_base_type(column.type) : column.type.display();
    std::string seq = sequence_name(table, column.name);
    return fmt::format(
        "CREATE SEQUENCE {0}; ALTER TABLE {1} ADD COLUMN {2} {3}; ALTER TABLE {1} ALTER COLUMN {2} "
        "SET DEFAULT nextval('{0}'); -- then backfill the existing rows in batches",
        seq, t, column.name, type);
}

void check(const Context& ctx, Emitter& emit) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement().detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return;
    for (const auto& action : alter->actions) {
        if (action.kind != sql::AlterKind::AddColumn || !action.column_def) continue;
        const sql::ColumnDef& column = *action.column_def;
        std::optional<ColumnKind> kind = rewriting_kind(column);
        if (!kind) continue;
        emit.report(
            {action.span,
             fmt::format("ADD COLUMN \"{}\" {} takes ACCESS EXCLUSIVE on {} and rewrites it to store {} "
                         "in every row: reads and writes wait until the rewrite ends",
                         column.name, kind->what, ctx.describe(alter->table), kind->fill),
             column.is_stored_generated()
                 ? "Add a plain column instead, fill it for new rows with a trigger, and backfill the "
                   "existing rows in batches."
                 : "Add a plain column instead, give it a sequence default (SET DEFAULT nextval(…) does "
                   "not rewrite), and backfill the existing rows in batches.",
             alter->table, fix_for(alter->table, column), sql::LockMode::AccessExclusive});
    }
}

}  // namespace

Rule adding_serial_or_stored_generated_column() {
    return Rule{
        RuleInfo{"adding-serial-or-stored-generated-column",
                 "Adding a serial, identity or stored generated column to an existing table",
                 RuleGroup::Availability, Severity::Error, true, "ACCESS EXCLUSIVE on the table; rewrites it",
                 "ADD COLUMN of a plain type, SET DEFAULT nextval(…) (or a trigger for computed values), "
                 "then a batched backfill"},
        check};
}

}  // namespace pgsafe::rules
