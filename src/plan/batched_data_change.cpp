// An UPDATE or DELETE of every row of a large table holds its row locks (and
// bloats the table) for one long transaction. Instead the same statement runs
// batch by batch over the primary key (keyset: the next keys in key order
// after the last one done), each batch a short transaction. Each row is
// changed once, as before; what is lost is all-or-nothing, which the step
// says. Preconditions, checked before anything is planned: the statement is
// row-local (sql/row_local: no subquery, WITH, FROM / USING, RETURNING, or
// function pgsafe cannot prove immutable), and the table has a primary key,
// or else a unique index over NOT NULL columns, whose text form reads back
// (rewrite_context); an UPDATE of a key column stays as written too, and so
// does a statement whose rules, triggers, constraints, privileges or session
// would see the batches (batch_hazards).

#include "rewrite.hpp"

#include "pgsafe/sql/row_local.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgsafe::plan::detail {

std::optional<Rewrite> batched_data_change(const RewriteContext& ctx) {
    const auto* change = std::get_if<sql::DataChange>(&ctx.statement.detail);
    if (change == nullptr || !ctx.found(rules::rule_id::k_unbatched_data_change)) return std::nullopt;
    // Only a row-local statement gives the same rows when each batch sees the earlier batches' writes.
    const std::string text =
        ctx.file.text.substr(ctx.statement.span.begin, ctx.statement.span.end - ctx.statement.span.begin);
    if (auto hazard = sql::batching_hazard(text)) {
        ctx.declined = "kept as written, not run in batches: " + *hazard;
        return std::nullopt;
    }
    auto key = ctx.batch_key(change->table);
    if (!key) return std::nullopt;
    sql::StatementEdit edit(ctx.file, ctx.statement);
    if (!edit.limit_to_key_range(key->columns)) {
        ctx.declined = fmt::format("kept as written: it sets a column of the {} the batches walk",
                                   key->unique_index.empty() ? "primary key" : "unique key");
        return std::nullopt;
    }
    auto assigned = sql::assigned_columns(text);
    if (!assigned) return std::nullopt;
    if (auto hazard = data_change_hazard(ctx, *change, *assigned, *key)) {
        ctx.declined = *hazard;
        return std::nullopt;
    }
    auto sql = edit.sql();
    if (!sql) return std::nullopt;
    Unit u;
    u.sql = *sql;
    u.boundary = Boundary::Own;
    u.rule = rules::rule_id::k_unbatched_data_change;
    u.batch_key = *key;
    u.why = fmt::format(
        "runs in batches by {}, each batch a short transaction (no longer all-or-nothing; "
        "statement-level triggers would fire once per batch, so the runner runs it as one statement "
        "when the table has any)",
        key->describe());
    return Rewrite{{u}};
}

}  // namespace pgsafe::plan::detail
