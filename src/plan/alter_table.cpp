// ALTER TABLE rewrites compose: one statement can add a foreign key, set a
// column NOT NULL and add a unique constraint at once. Each contributor
// edits the same copy of the statement and adds steps before or after it.
// A contributor that declines is dropped and the others start again from a
// fresh copy, so no half-made edit survives.

#include "rewrite.hpp"

#include <array>

namespace pgsafe::plan::detail {
namespace {

using Contributor = bool (*)(const RewriteContext&, AlterRewrite&);
constexpr std::array<Contributor, 3> k_contributors = {set_not_null, unique_constraints,
                                                       not_valid_constraints};

}  // namespace

std::optional<Rewrite> rewrite_alter_table(const RewriteContext& ctx) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement.detail);
    if (alter == nullptr || alter->object != sql::ObjectKind::Table) return std::nullopt;
    if (auto detach = detach_partition_concurrently(ctx)) return detach;

    std::array<bool, k_contributors.size()> enabled;
    enabled.fill(true);
    for (;;) {
        AlterRewrite rw{*alter, sql::StatementEdit(ctx.file, ctx.statement), {}, {}, std::nullopt, {}};
        bool restart = false;
        bool any = false;
        for (std::size_t i = 0; i < k_contributors.size() && !restart; ++i) {
            if (!enabled[i]) continue;
            if (k_contributors[i](ctx, rw)) {
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
