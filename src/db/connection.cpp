// Opening the target database: the connection string from the flag, the
// environment or libpq's own PG* variables, and failures worded for users
// with any password blanked out.

#include "connection_impl.hpp"

#include "pgsafe/db/conninfo.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace pgsafe::db {

std::string resolve_conninfo(const std::string& flag) {
    if (!flag.empty()) return flag;
    const char* url = std::getenv("DATABASE_URL");
    if (url != nullptr && *url != '\0') return url;
    return "";
}

namespace {

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    // libpq indents continuation lines with a tab; keep them readable on one screen.
    for (size_t at = text.find("\n\t"); at != std::string::npos; at = text.find("\n\t", at))
        text.replace(at, 2, "\n  ");
    return text;
}

std::unique_ptr<Connection::Impl> open(const std::string& conninfo, const std::string& setup) {
    std::string target = redact(conninfo);
    if (!conninfo_parses(conninfo))  // libpq's own message may quote the password
        throw Error(ErrorKind::Usage,
                    "the connection string (from --db or DATABASE_URL) is not one libpq can parse; it is not "
                    "shown, since it may hold a password. Check its quoting and percent-encoding "
                    "(postgresql://user:pass@host:port/db, or host=… user=… dbname=…)");
    spdlog::debug("connecting to {}", target);
    try {
        auto impl = std::make_unique<Connection::Impl>(conninfo, target);
        pqxx::nontransaction tx(impl->connection);
        impl->server_pid = tx.exec1(setup + "SELECT pg_catalog.pg_backend_pid()")[0].as<int>();
        return impl;
    } catch (const pqxx::broken_connection& e) {
        throw Error(ErrorKind::Database, fmt::format("cannot connect to {}: {}", target, trim(e.what())));
    } catch (const pqxx::sql_error& e) {  // rejected during start-up: bad password, no such database
        throw database_error(fmt::format("cannot connect to {}", target), trim(e.what()), e.sqlstate());
    } catch (const pqxx::failure& e) {
        throw Error(ErrorKind::Database, fmt::format("cannot connect to {}: {}", target, trim(e.what())));
    }
}

}  // namespace

Connection::Connection(const std::string& conninfo, const std::string& setup)
    : m_impl(open(conninfo, setup)) {}
Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

bool NoticeLogger::operator()(const char message[]) noexcept {
    std::string_view text(message);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    spdlog::info("server: {}", text);
    return false;  // handled: do not pass it on to libpqxx's default (stderr)
}

// The SQL as it is (a run's message can be megabytes: no copy of our own).
void Connection::execute(const std::string& sql, std::string_view doing) {
    guarded(doing, [&] {
        pqxx::nontransaction tx(m_impl->connection);
        tx.exec(sql);
    });
}

std::vector<Connection::Row> Connection::query(const std::string& sql, std::string_view doing) {
    return guarded(doing, [&] {
        pqxx::nontransaction tx(m_impl->connection);
        pqxx::result result = tx.exec(sql);
        std::vector<Row> rows;
        rows.reserve(result.size());
        for (const auto& r : result) {
            Row row;
            for (const auto& field : r)
                row.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
            rows.push_back(std::move(row));
        }
        return rows;
    });
}

int Connection::backend_pid() const {
    return m_impl->server_pid;
}

bool Connection::through_pooler() const {
    return m_impl->server_pid != m_impl->connection.backendpid();
}

void Connection::cancel() noexcept {
    try {
        m_impl->connection.cancel_query();
    } catch (const std::exception& e) {
        spdlog::debug("could not cancel the running statement: {}", e.what());
    }
}

std::string Connection::describe() const {
    auto& c = m_impl->connection;
    const char* host = c.hostname();
    const char* port = c.port();
    return fmt::format("{}@{}:{}/{}", c.username(), host != nullptr && *host != '\0' ? host : "localhost",
                       port != nullptr ? port : "", c.dbname());
}

}  // namespace pgsafe::db
