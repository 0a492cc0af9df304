#pragma once
// The names of the rules that code outside their own file refers to: the
// rewrites that answer them, risk levels, the engine's own findings, the
// command line. Each rule's RuleInfo takes its name from here too, so a
// renamed rule cannot silently leave a rewrite or a check behind. The
// kebab-case strings are the stable external names (--exclude, policies,
// ignore comments, docs/rules/<name>.md).

namespace pgsafe::rules::rule_id {

// Availability rules a rewrite answers (src/plan/rewrites.cpp lists which).
inline constexpr char k_adding_foreign_key_constraint[] = "adding-foreign-key-constraint";
inline constexpr char k_constraint_missing_not_valid[] = "constraint-missing-not-valid";
inline constexpr char k_setting_not_null[] = "setting-not-null";
inline constexpr char k_require_concurrent_index_creation[] = "require-concurrent-index-creation";
inline constexpr char k_require_concurrent_index_deletion[] = "require-concurrent-index-deletion";
inline constexpr char k_require_concurrent_reindex[] = "require-concurrent-reindex";
inline constexpr char k_disallowed_unique_constraint[] = "disallowed-unique-constraint";
inline constexpr char k_adding_primary_key_constraint[] = "adding-primary-key-constraint";
inline constexpr char k_require_concurrent_partition_detach[] = "require-concurrent-partition-detach";
inline constexpr char k_refresh_materialized_view_without_concurrently[] =
    "refresh-materialized-view-without-concurrently";
inline constexpr char k_adding_field_with_volatile_default[] = "adding-field-with-volatile-default";
inline constexpr char k_unbatched_data_change[] = "unbatched-data-change";
inline constexpr char k_access_exclusive_held_across_statements[] = "access-exclusive-held-across-statements";
// Its fix (COMMIT before VALIDATE) needs a transaction of its own, like the rules above.
inline constexpr char k_validate_constraint_in_same_transaction[] = "validate-constraint-in-same-transaction";

// Rules with a risk of their own (src/plan/risk.cpp).
inline constexpr char k_ban_drop_database[] = "ban-drop-database";
inline constexpr char k_foreign_key_without_index[] = "foreign-key-without-index";
// EXECUTE of SQL computed at run time: an info finding, but what it locks is unknown (high risk).
inline constexpr char k_dynamic_sql[] = "dynamic-sql";

// Meta rules: the lint engine reports these itself.
inline constexpr char k_syntax_error[] = "syntax-error";
inline constexpr char k_unused_ignore[] = "unused-ignore";
inline constexpr char k_invalid_ignore[] = "invalid-ignore";

}  // namespace pgsafe::rules::rule_id
