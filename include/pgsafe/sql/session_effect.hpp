#pragma once
// What each statement of a piece of SQL leaves in the session for the
// statements after it, beyond its own transaction: a session-level setting
// (SET / RESET not LOCAL, SET ROLE, SET SESSION AUTHORIZATION, RESET ALL,
// a plain `SELECT set_config(…, false)`), or a temporary object (CREATE
// TEMP TABLE / VIEW / SEQUENCE, SELECT … INTO TEMP, CREATE … pg_temp.x,
// PREPARE). Read from the parse tree, never from the text.

#include "pgsafe/sql/ir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::sql {

struct SessionStatement {
    enum class Kind { None, Setting, TemporaryObject };
    Kind kind = Kind::None;
    Span span;                          // the statement, without surrounding blanks or ';'
    std::string what;                   // TemporaryObject: "temporary table", "prepared statement", …
    RelationName name;                  // TemporaryObject: as PostgreSQL folds it
    std::vector<RelationName> dropped;  // DROP …: the names it drops
};

// A SET or RESET of the session, which outlasts its transaction: not LOCAL,
// not SET TRANSACTION [SNAPSHOT] (that transaction only). The one rule for
// session_statements() and for the runner's SessionChanges.
bool session_level(const VariableSet& set);

// One per statement of `sql`, in order; nullopt when it does not parse.
std::optional<std::vector<SessionStatement>> session_statements(const std::string& sql);

}  // namespace pgsafe::sql
