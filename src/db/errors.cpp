// SQLSTATE codes to pgsafe's error kinds and readable names. The table holds
// the codes a migration runner meets; everything else is named by its class.

#include "pgsafe/db/error.hpp"

#include <fmt/format.h>

#include <utility>

namespace pgsafe::db {
namespace {

constexpr std::pair<std::string_view, std::string_view> k_codes[] = {
    {"55P03", "lock_not_available"},
    {"57014", "query_canceled"},
    {"40P01", "deadlock_detected"},
    {"40001", "serialization_failure"},
    {"25006", "read_only_sql_transaction"},
    {"25001", "active_sql_transaction"},
    {"42501", "insufficient_privilege"},
    {"42P01", "undefined_table"},
    {"42703", "undefined_column"},
    {"42P07", "duplicate_table"},
    {"42710", "duplicate_object"},
    {"42601", "syntax_error"},
    {"23505", "unique_violation"},
    {"23503", "foreign_key_violation"},
    {"23502", "not_null_violation"},
    {"23514", "check_violation"},
    {"3D000", "invalid_catalog_name"},
    {"28000", "invalid_authorization_specification"},
    {"28P01", "invalid_password"},
    {"53300", "too_many_connections"},
    {"57P01", "admin_shutdown"},
    {"57P03", "cannot_connect_now"},
    {"08006", "connection_failure"},
    {"08001", "sqlclient_unable_to_establish_sqlconnection"},
};

constexpr std::pair<std::string_view, std::string_view> k_classes[] = {
    {"08", "connection_exception"},
    {"22", "data_exception"},
    {"23", "integrity_constraint_violation"},
    {"25", "invalid_transaction_state"},
    {"28", "invalid_authorization_specification"},
    {"40", "transaction_rollback"},
    {"42", "syntax_error_or_access_rule_violation"},
    {"53", "insufficient_resources"},
    {"55", "object_not_in_prerequisite_state"},
    {"57", "operator_intervention"},
    {"58", "system_error"},
    {"XX", "internal_error"},
};

}  // namespace

ErrorKind error_kind_for_sqlstate(std::string_view sqlstate) {
    return sqlstate == "55P03" ? ErrorKind::LockTimeout : ErrorKind::Database;
}

std::string sqlstate_name(std::string_view sqlstate) {
    for (const auto& [code, name] : k_codes)
        if (code == sqlstate) return std::string(name);
    for (const auto& [prefix, name] : k_classes)
        if (sqlstate.substr(0, 2) == prefix) return std::string(name);
    return {};
}

DatabaseError database_error(std::string_view doing, std::string_view message, std::string_view sqlstate,
                             DatabaseError::Lost lost) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
    if (message.substr(0, 7) == "ERROR: ") message.remove_prefix(7);
    while (!message.empty() && message.front() == ' ') message.remove_prefix(1);
    std::string text = fmt::format("{}: {}", doing, message);
    if (!sqlstate.empty()) {
        std::string name = sqlstate_name(sqlstate);
        text += name.empty() ? fmt::format(" (SQLSTATE {})", sqlstate)
                             : fmt::format(" (SQLSTATE {} {})", sqlstate, name);
    }
    return DatabaseError(error_kind_for_sqlstate(sqlstate), text, std::string(sqlstate), lost);
}

}  // namespace pgsafe::db
