#pragma once
// Turning one parsed statement node into its IR detail. Private to src/sql/.

#include "nodes.hpp"

namespace pgsafe::sql::detail {

Detail convert_statement(const Node* stmt, const Ctx& ctx);
AlterTable convert_alter_table(const PgQuery__AlterTableStmt* stmt, const Ctx& ctx);

}  // namespace pgsafe::sql::detail
