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

// Whether libpq itself (PQconninfoParse) accepts the connection string.
bool conninfo_parses(const std::string& conninfo);

// The connection string for messages and logs: parsed by libpq itself and
// rebuilt as key=value pairs without the password ("password=***" says
// one was given). A string libpq does not parse is shown as no part of it,
// since where the password ends is then unknown. "" becomes "(PG*
// environment variables)".
std::string redact(const std::string& conninfo);

}  // namespace pgsafe::db
