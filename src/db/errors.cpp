// SQLSTATE codes to pgsafe's error kinds and readable names: every code by
// its own name (sqlstate_table.hpp); a code this table does not know (a newer
// server's) by its class.

#include "sqlstate_table.hpp"

#include "pgsafe/db/error.hpp"

#include <fmt/format.h>

#include <utility>

namespace pgsafe::db {

ErrorKind error_kind_for_sqlstate(std::string_view sqlstate) {
    return sqlstate == "55P03" ? ErrorKind::LockTimeout : ErrorKind::Database;
}

std::string sqlstate_name(std::string_view sqlstate) {
    if (sqlstate.size() != 5) return {};
    std::string class_code = std::string(sqlstate.substr(0, 2)) + "000";
    std::string_view class_name;
    for (const auto& [code, name] : detail::k_sqlstates) {
        if (code == sqlstate) return std::string(name);
        if (code == class_code) class_name = name;
    }
    return std::string(class_name);
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
