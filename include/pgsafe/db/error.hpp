#pragma once
// What a server error means for pgsafe: SQLSTATE codes to the error kinds
// (and so the exit codes) in DESIGN.md. Pure, so it is unit-tested without a
// server; src/db/ applies it to every libpqxx exception.

#include "pgsafe/error.hpp"

#include <string>
#include <string_view>

namespace pgsafe::db {

// 55P03 lock_not_available -> LockTimeout (exit 6); everything else -> Database (exit 4).
ErrorKind error_kind_for_sqlstate(std::string_view sqlstate);

// "lock_not_available" for 55P03 and the other codes pgsafe meets; the code's
// class name ("syntax_error_or_access_rule_violation") otherwise; "" when unknown.
std::string sqlstate_name(std::string_view sqlstate);

// "doing: message (SQLSTATE 55P03 lock_not_available)" as a pgsafe::Error.
Error database_error(std::string_view doing, std::string_view message, std::string_view sqlstate);

}  // namespace pgsafe::db
