// ADD COLUMN with a volatile default (random(), gen_random_uuid(),
// clock_timestamp() …) rewrites the whole table under ACCESS EXCLUSIVE.
// Instead: add the column bare (catalog only), SET DEFAULT for new rows, fill
// the existing rows in batches by primary key (keyset), each batch a short
// transaction, and make it NOT NULL the safe way if it was meant to be. Needs
// the table's primary key (or a unique index over NOT NULL columns) from the
// live database or a snapshot. ADD COLUMN fires no trigger, the backfill's
// UPDATE fires every UPDATE trigger of the table: a table with any is left
// to the statement as written, so the result is psql's. So is a column whose
// type may be a domain that rejects the NULL the bare ADD COLUMN leaves.

#include "rewrite.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace pgsafe::plan::detail {
namespace {

const char* k_rule = rules::rule_id::k_adding_field_with_volatile_default;

// Why the backfill's UPDATE would not leave what ADD COLUMN leaves (it fires
// UPDATE triggers, ADD COLUMN fires none), or nullopt.
std::optional<std::string> trigger_hazard(const RewriteContext& ctx, const sql::RelationName& table) {
    if (ctx.names.triggers_added(table))
        return std::string(
            "kept as written, not backfilled in batches: an earlier statement creates or enables a trigger, "
            "and the backfill's UPDATE would fire an UPDATE trigger on every row, which ADD COLUMN does not");
    const auto* fact = ctx.facts.find(table);
    if (fact == nullptr || !fact->update_triggers || fact->update_triggers->empty()) return std::nullopt;
    std::vector<std::string> quoted;
    for (const auto& t : *fact->update_triggers) quoted.push_back("\"" + t + "\"");
    return fmt::format(
        "kept as written, not backfilled in batches: the table has UPDATE trigger{} {}, which the backfill's "
        "UPDATE would fire on every row (ADD COLUMN … DEFAULT fires none)",
        quoted.size() == 1 ? "" : "s", fmt::join(quoted, ", "));
}

// Built-in base types, as the parser spells them (keyword types come as
// pg_catalog.<name>): none is a domain, so none rejects the NULL the bare
// ADD COLUMN leaves in every row. A domain with NOT NULL or a CHECK that
// rejects NULL would make that first step fail where ADD COLUMN … DEFAULT
// succeeds, and pgsafe does not read domains: any other type declines.
const std::set<std::string> k_base_types = {
    "bigint",   "bit",     "bool",      "boolean",     "box",    "bpchar",  "bytea",    "char",
    "cidr",     "circle",  "date",      "float4",      "float8", "inet",    "int2",     "int4",
    "int8",     "integer", "interval",  "json",        "jsonb",  "line",    "lseg",     "macaddr",
    "macaddr8", "money",   "numeric",   "oid",         "path",   "point",   "polygon",  "smallint",
    "text",     "time",    "timestamp", "timestamptz", "timetz", "tsquery", "tsvector", "uuid",
    "varbit",   "varchar", "xml",
};

// Why the column's type may be a domain that rejects NULL, or nullopt.
std::optional<std::string> type_hazard(const RewriteContext& ctx, const sql::ColumnDef& column) {
    const sql::TypeName& type = column.type;
    bool known = !type.pct_type && !type.names.empty() && k_base_types.count(type.base()) > 0;
    if (known && type.names.size() == 2) known = type.names[0] == "pg_catalog";
    if (known && type.names.size() == 1) {
        // An unqualified name is pg_catalog's unless the search path puts another schema before it.
        const auto& path = ctx.facts.search_path();
        auto catalog = std::find(path.begin(), path.end(), "pg_catalog");
        known = !ctx.earlier.search_path && (catalog == path.end() || catalog == path.begin());
    }
    if (known && type.names.size() > 2) known = false;
    if (known) return std::nullopt;
    return fmt::format(
        "kept as written, not backfilled in batches: pgsafe cannot tell that the type {} is not a domain "
        "with "
        "NOT NULL or a CHECK, which would reject the NULL that adding \"{}\" without its default leaves in "
        "every row",
        type.display(), column.name);
}

}  // namespace

std::optional<Rewrite> volatile_default_backfill(const RewriteContext& ctx) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement.detail);
    if (alter == nullptr || !ctx.found(k_rule) || alter->actions.size() != 1 ||
        alter->actions[0].kind != sql::AlterKind::AddColumn || !alter->actions[0].column_def)
        return std::nullopt;
    const sql::ColumnDef& column = *alter->actions[0].column_def;
    auto key = ctx.batch_key(alter->table);
    if (!key) return std::nullopt;
    for (auto hazard : {trigger_hazard(ctx, alter->table), type_hazard(ctx, column),
                        backfill_hazard(ctx, alter->table, *key)}) {
        if (hazard) {
            ctx.declined = *hazard;
            return std::nullopt;
        }
    }
    sql::StatementEdit edit(ctx.file, ctx.statement);
    auto set_default = edit.set_default_sql(0);
    auto backfill = edit.backfill_sql(0, key->columns);
    if (!set_default || !backfill || !edit.strip_default(0)) return std::nullopt;
    auto add = edit.sql();
    if (!add) return std::nullopt;

    std::vector<Unit> units(3);
    units[0].sql = *add;
    units[0].why = fmt::format("adds \"{}\" without a default: catalog only, a brief lock", column.name);
    units[1].sql = *set_default;
    units[1].why = "new rows get the default from now on: catalog only, a brief lock";
    units[2].sql = *backfill;
    units[2].why = fmt::format(
        "fills the existing rows in batches by {}, each batch a short transaction (the table has "
        "no UPDATE trigger for it to fire)",
        key->describe());
    units[2].batch_key = *key;
    for (auto& u : units) {
        u.boundary = Boundary::Own;
        u.rule = k_rule;
    }
    if (column.not_null) {
        for (auto& u : not_null_units(alter->table, column.name, k_rule)) units.push_back(std::move(u));
    }
    return Rewrite{std::move(units)};
}

}  // namespace pgsafe::plan::detail
