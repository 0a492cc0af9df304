// An UPDATE or DELETE of every row of a large table holds its row locks (and
// bloats the table) for one long transaction. Instead the same statement runs
// per primary-key range, each range a short transaction. Each row is changed
// once, as before; what is lost is all-or-nothing, which the step says.
// Needs the table's single-column primary key; statements with WITH,
// RETURNING, FROM / USING, or an UPDATE of the key stay as written.

#include "rewrite.hpp"

#include <fmt/format.h>

namespace pgsafe::plan::detail {

std::optional<Rewrite> batched_data_change(const RewriteContext& ctx) {
    const auto* change = std::get_if<sql::DataChange>(&ctx.statement.detail);
    if (change == nullptr || !ctx.found(rules::rule_id::k_unbatched_data_change)) return std::nullopt;
    auto key = ctx.batch_key(change->table);
    if (!key) return std::nullopt;
    sql::StatementEdit edit(ctx.file, ctx.statement);
    if (!edit.limit_to_key_range(*key)) return std::nullopt;
    auto sql = edit.sql();
    if (!sql) return std::nullopt;
    Unit u;
    u.sql = *sql;
    u.boundary = Boundary::Own;
    u.rule = rules::rule_id::k_unbatched_data_change;
    u.batch_key = *key;
    u.why = fmt::format("runs by ranges of \"{}\", each range a short transaction (no longer all-or-nothing)",
                        *key);
    return Rewrite{{u}};
}

}  // namespace pgsafe::plan::detail
