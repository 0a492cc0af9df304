#pragma once
// What PostgreSQL reads from a statement's tree to name unnamed objects.
// Private to src/sql/.

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::sql::detail {

// ChooseIndexColumnNames: a name per index column ("expr" for an expression
// PostgreSQL cannot name); nullopt for expressions pgsafe cannot name as it does.
std::optional<std::vector<std::string>> index_column_names(const PgQuery__IndexStmt* index);

// The column an unnamed CHECK is named after: the one column its expression
// uses, "" when it uses none or several; nullopt for a whole-row reference.
std::optional<std::string> check_constraint_column(const PgQuery__Constraint* check);

}  // namespace pgsafe::sql::detail
