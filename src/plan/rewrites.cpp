// The rewrite registry: the one list of every safe form, in the order the
// planner tries them, with the rules each answers and where its fixtures and
// docs are. Adding a rewrite means adding its file, one entry here, fixtures
// under tests/plan/<name>/ and a section in docs/plan.md.

#include "rewrite.hpp"

namespace pgsafe::plan {
namespace detail {

using namespace rules::rule_id;

const std::vector<RewriteEntry>& rewrite_registry() {
    static const std::vector<RewriteEntry> k_rewrites = {
        // ALTER TABLE: a lone DETACH PARTITION first, then the contributors
        // that compose on one copy of the statement (alter_table.cpp).
        {{"detach-partition",
          "detach_partition.cpp",
          {k_require_concurrent_partition_detach},
          {"detach-partition"}},
         detach_partition_concurrently},
        {{"set-not-null", "set_not_null.cpp", {k_setting_not_null}, {"set-not-null"}}, nullptr, set_not_null},
        {{"unique-constraint",
          "unique_constraint.cpp",
          {k_disallowed_unique_constraint, k_adding_primary_key_constraint},
          {"unique-constraint", "primary-key"}},
         nullptr,
         unique_constraints},
        {{"not-valid-constraint",
          "not_valid_constraint.cpp",
          {k_adding_foreign_key_constraint, k_constraint_missing_not_valid},
          {"foreign-key", "check"}},
         nullptr,
         not_valid_constraints},
        // Whole statements.
        {{"create-index", "concurrent_index.cpp", {k_require_concurrent_index_creation}, {"create-index"}},
         create_index_concurrently},
        {{"drop-index", "drop_index.cpp", {k_require_concurrent_index_deletion}, {"drop-index"}},
         drop_index_concurrently},
        {{"reindex", "reindex.cpp", {k_require_concurrent_reindex}, {"reindex"}}, reindex_concurrently},
        {{"refresh-matview",
          "refresh_matview.cpp",
          {k_refresh_materialized_view_without_concurrently},
          {"refresh-matview"}},
         refresh_concurrently},
        {{"volatile-default",
          "volatile_default.cpp",
          {k_adding_field_with_volatile_default},
          {"volatile-default"}},
         volatile_default_backfill},
        {{"batched-data-change",
          "batched_data_change.cpp",
          {k_unbatched_data_change},
          {"batched-data-change"}},
         batched_data_change},
        // Transaction blocks: applied while grouping units into steps.
        {{"split-transaction",
          "transactions.cpp",
          {k_access_exclusive_held_across_statements},
          {"split-transaction"}}},
    };
    return k_rewrites;
}

std::optional<Rewrite> rewrite_statement(const RewriteContext& ctx) {
    const auto* alter = std::get_if<sql::AlterTable>(&ctx.statement.detail);
    if (alter != nullptr && alter->object == sql::ObjectKind::Table) {
        if (std::string why = declined_alter(ctx, *alter); !why.empty()) {
            ctx.declined = std::move(why);
            return std::nullopt;
        }
    }
    bool alter_tried = false;
    for (const auto& entry : rewrite_registry()) {
        std::optional<Rewrite> rewrite;
        if (entry.statement != nullptr) {
            rewrite = entry.statement(ctx);
        } else if (entry.alter != nullptr && !alter_tried) {
            alter_tried = true;
            rewrite = rewrite_alter_table(ctx);
        }
        if (rewrite) return rewrite;
    }
    return std::nullopt;
}

}  // namespace detail

std::vector<RewriteInfo> rewrite_catalog() {
    std::vector<RewriteInfo> out;
    for (const auto& entry : detail::rewrite_registry()) out.push_back(entry.info);
    return out;
}

}  // namespace pgsafe::plan
