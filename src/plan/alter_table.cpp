// ALTER TABLE rewrites compose: one statement can add a foreign key, set a
// column NOT NULL and add a unique constraint at once. Each contributor
// edits the same copy of the statement and adds steps before or after it.
// A contributor that declines is dropped and the others start again from a
// fresh copy, so no half-made edit survives. The contributors and their order
// come from the rewrite registry (rewrites.cpp).

#include "rewrite.hpp"

#include <string>
#include <vector>

namespace pgsafe::plan::detail {

// Why no rewrite of this ALTER TABLE is sure to do what the statement does,
// or "". The safe forms add statements of their own (VALIDATE, a helper
// CHECK, CREATE INDEX CONCURRENTLY) that the statement's IF EXISTS, IF NOT
// EXISTS or ONLY would not cover.
std::string declined_alter(const RewriteContext& ctx, const sql::AlterTable& alter) {
    if (ctx.pending.created(alter.table)) return "";  // made by this run: pgsafe knows its shape
    if (alter.if_exists && ctx.facts.find(alter.table) == nullptr)
        return "kept as written: ALTER TABLE IF EXISTS on a table pgsafe does not see; the safe form's extra "
               "steps would fail where the statement does nothing";
    if (alter.only)
        return "kept as written: ALTER TABLE ONLY acts on the parent alone, and the safe form's helper "
               "constraints and indexes would reach its inheritance children";
    for (const auto& action : alter.actions) {
        if (action.kind == sql::AlterKind::AddColumn && action.missing_ok)
            return "kept as written: ADD COLUMN IF NOT EXISTS does nothing when the column exists, and the "
                   "safe form's extra steps (constraints, default, backfill) would run anyway";
    }
    return "";
}

std::optional<Rewrite> rewrite_alter_table(const RewriteContext& ctx) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement.detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return std::nullopt;

    std::vector<AlterContributor> contributors;
    for (const auto& entry : rewrite_registry()) {
        if (entry.alter != nullptr) contributors.push_back(entry.alter);
    }
    std::vector<bool> enabled(contributors.size(), true);
    for (;;) {
        AlterRewrite rw{*alter, sql::StatementEdit(ctx.file, ctx.statement), {}, {}, std::nullopt, {}};
        bool restart = false;
        bool any = false;
        for (std::size_t i = 0; i < contributors.size() && !restart; ++i) {
            if (!enabled[i]) continue;
            if (contributors[i](ctx, rw)) {
                any = true;
            } else {
                enabled[i] =
                    false;  // not applicable, or declined (maybe after editing): start again without it
                restart = true;
            }
        }
        if (restart) continue;
        if (!any) return std::nullopt;
        auto main_sql = rw.edit.sql();
        if (!main_sql) return std::nullopt;
        Rewrite out;
        out.units = std::move(rw.before);
        Unit main;
        main.sql = *main_sql;
        main.boundary = Boundary::Own;
        main.rule = rw.rule;
        main.why = rw.why;
        out.units.push_back(std::move(main));
        for (auto& u : rw.after) out.units.push_back(std::move(u));
        return out;
    }
}

}  // namespace pgsafe::plan::detail
