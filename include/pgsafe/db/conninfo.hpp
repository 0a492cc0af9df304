#pragma once
// Connection strings as libpq reads them: postgresql:// URLs and key=value
// strings. Pure text work, no connection.

#include <string>

namespace pgsafe::db {

// The connection string with its database replaced by `database`. Handles
// URLs (postgresql://user@host:port/db?params, also a dbname= parameter,
// which is dropped) and key=value strings ("host=… dbname=…", where libpq
// takes the last value given, so dbname=… is appended). "" gives "dbname=…".
std::string conninfo_with_database(const std::string& conninfo, const std::string& database);

}  // namespace pgsafe::db
