#pragma once
// Every rule's constructor, one per file in src/rules/<rule_name>.cpp.
// Private to src/rules/; the list users see is registry() in registry.cpp.

#include "pgsafe/rules/rule.hpp"

namespace pgsafe::rules {

// Availability
Rule adding_foreign_key_constraint();
Rule constraint_missing_not_valid();
Rule validate_constraint_in_same_transaction();
Rule require_concurrent_index_creation();
Rule require_concurrent_index_deletion();
Rule require_concurrent_reindex();
Rule disallowed_unique_constraint();
Rule adding_primary_key_constraint();
Rule setting_not_null();
Rule adding_field_with_volatile_default();
Rule changing_column_type();
Rule adding_serial_or_stored_generated_column();
Rule refresh_materialized_view_without_concurrently();
Rule require_concurrent_partition_detach();
Rule vacuum_full_or_cluster();
Rule lock_table();
Rule unbatched_data_change();
Rule access_exclusive_held_across_statements();
Rule exclusion_constraint();
Rule long_blocking_lock();
Rule unknown_lock_effect();
Rule dynamic_sql();

// Correctness
Rule concurrently_in_transaction();
Rule adding_required_field();
Rule renaming_column();
Rule renaming_table();
Rule ban_drop_column();
Rule ban_drop_table();
Rule ban_drop_database();
Rule ban_truncate();
Rule transaction_nesting();
Rule uncommitted_transaction();
Rule foreign_key_without_index();

// External runner
Rule require_lock_timeout();
Rule require_statement_timeout();

// Style
Rule prefer_bigint_over_int();
Rule prefer_text_field();
Rule prefer_timestamptz();
Rule prefer_jsonb();
Rule identifier_too_long();
// Meta rules: reported by the engine itself, listed for docs and config.
Rule syntax_error();
Rule unused_ignore();
Rule invalid_ignore();

}  // namespace pgsafe::rules
