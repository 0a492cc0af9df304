#pragma once
// What a server error means for pgsafe: SQLSTATE codes to the error kinds
// (and so the exit codes) in DESIGN.md. Pure, so it is unit-tested without a
// server; src/db/ applies it to every libpqxx exception.

#include "pgsafe/error.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace pgsafe::db {

// An error from the server, or a lost connection, with its SQLSTATE ("" when
// the server sent none) so the runner can tell a lock timeout from a bug.
class DatabaseError : public Error {
public:
    enum class Lost { No, Yes };
    DatabaseError(ErrorKind kind, const std::string& message, std::string sqlstate, Lost lost)
        : Error(kind, message), m_sqlstate(std::move(sqlstate)), m_lost(lost) {}
    const std::string& sqlstate() const { return m_sqlstate; }
    bool connection_lost() const { return m_lost == Lost::Yes; }

private:
    std::string m_sqlstate;
    Lost m_lost;
};

// 55P03 lock_not_available -> LockTimeout (exit 6); everything else -> Database (exit 4).
ErrorKind error_kind_for_sqlstate(std::string_view sqlstate);

// "lock_not_available" for 55P03 and the other codes pgsafe meets; the code's
// class name ("syntax_error_or_access_rule_violation") otherwise; "" when unknown.
std::string sqlstate_name(std::string_view sqlstate);

// "doing: message (SQLSTATE 55P03 lock_not_available)" as a DatabaseError.
DatabaseError database_error(std::string_view doing, std::string_view message, std::string_view sqlstate,
                             DatabaseError::Lost lost = DatabaseError::Lost::No);

}  // namespace pgsafe::db
