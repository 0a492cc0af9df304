// The rule catalog: the one list of every rule, in the order `pgsafe rules`
// shows them. Adding a rule means adding its file and one line here.

#include "catalog.hpp"

#include <algorithm>

namespace pgsafe::rules {

const std::vector<Rule>& registry() {
    static const std::vector<Rule> k_rules = {
        // Availability
        adding_foreign_key_constraint(),
        constraint_missing_not_valid(),
        validate_constraint_in_same_transaction(),
        require_concurrent_index_creation(),
        require_concurrent_index_deletion(),
        require_concurrent_reindex(),
        disallowed_unique_constraint(),
        adding_primary_key_constraint(),
        setting_not_null(),
        adding_field_with_volatile_default(),
        changing_column_type(),
        adding_serial_or_stored_generated_column(),
        refresh_materialized_view_without_concurrently(),
        require_concurrent_partition_detach(),
        vacuum_full_or_cluster(),
        lock_table(),
        unbatched_data_change(),
        access_exclusive_held_across_statements(),
        exclusion_constraint(),
        long_blocking_lock(),
        unknown_lock_effect(),
        dynamic_sql(),
        // Correctness
        concurrently_in_transaction(),
        adding_required_field(),
        renaming_column(),
        renaming_table(),
        ban_drop_column(),
        ban_drop_table(),
        ban_drop_database(),
        ban_truncate(),
        transaction_nesting(),
        uncommitted_transaction(),
        foreign_key_without_index(),
        // External runner
        require_lock_timeout(),
        require_statement_timeout(),
        // Style
        prefer_bigint_over_int(),
        prefer_text_field(),
        prefer_timestamptz(),
        prefer_jsonb(),
        identifier_too_long(),
        // Meta
        syntax_error(),
        unused_ignore(),
        invalid_ignore(),
    };
    return k_rules;
}

const Rule* find_rule(std::string_view name) {
    const auto& rules = registry();
    auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.info.name == name; });
    return it == rules.end() ? nullptr : &*it;
}

}  // namespace pgsafe::rules
