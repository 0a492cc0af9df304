#pragma once
// Statements PostgreSQL refuses inside a transaction block (SQLSTATE 25001,
// PreventInTransactionBlock) and COPY … FROM STDIN, which needs data from
// the client. Read from the statement's own parse tree, without a catalog.

#include <optional>
#include <string>

namespace pgsafe::sql {

// What the statement is ("ALTER SYSTEM", "DISCARD ALL", "CREATE DATABASE", …)
// when PostgreSQL runs it only outside a transaction block, else nullopt.
std::optional<std::string> refused_in_transaction_block(const std::string& statement);

// COPY … FROM STDIN: the data comes from the client.
bool copy_from_stdin(const std::string& statement);

}  // namespace pgsafe::sql
