#pragma once
// Turning one parsed statement node into its IR detail. Private to src/sql/.

#include "nodes.hpp"

namespace pgsafe::sql::detail {

Detail convert_statement(const Node* stmt, const Ctx& ctx);
AlterTable convert_alter_table(const PgQuery__AlterTableStmt* stmt, const Ctx& ctx);

// What the statement is ("ALTER SYSTEM", "DISCARD ALL", "CREATE DATABASE", …)
// when PostgreSQL runs it only outside a transaction block, else ""
// (transaction_block.cpp).
std::string outside_transaction_block(const Node* stmt);
// COPY … FROM STDIN: the data comes from the client.
bool copy_from_stdin(const Node* stmt);

}  // namespace pgsafe::sql::detail
