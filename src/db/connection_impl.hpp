#pragma once
// The libpqxx side of db::Connection, and the guard that turns every libpqxx
// exception into a pgsafe::Error. Private to src/db/.

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/error.hpp"

#include <pqxx/pqxx>

#include <string>
#include <string_view>

namespace pgsafe::db {

struct Connection::Impl {
    Impl(const std::string& conninfo, std::string redacted)
        : connection(conninfo), target(std::move(redacted)) {}
    pqxx::connection connection;
    std::string target;  // redacted conninfo, for messages
};

// Runs f(); libpqxx exceptions become pgsafe::Error "doing: message (SQLSTATE …)".
template <typename F>
auto guarded(std::string_view doing, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const pqxx::sql_error& e) {
        throw database_error(doing, e.what(), e.sqlstate());
    } catch (const pqxx::deadlock_detected& e) {
        throw database_error(doing, e.what(), "40P01");
    } catch (const pqxx::serialization_failure& e) {
        throw database_error(doing, e.what(), "40001");
    } catch (const pqxx::broken_connection& e) {
        throw database_error(doing, std::string("lost the connection: ") + e.what(), "");
    } catch (const pqxx::failure& e) {
        throw database_error(doing, e.what(), "");
    }
}

}  // namespace pgsafe::db
