#pragma once
// A connection to the target database. The one door to libpqxx: callers see
// this type and pgsafe::Error, never pqxx, so only src/db/ depends on it.

#include "pgsafe/db/conninfo.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::db {

// Where to connect: the --db flag, else DATABASE_URL, else "" (libpq then
// reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSERVICE … itself).
std::string resolve_conninfo(const std::string& flag);

class Connection {
public:
    // Connects, then runs `setup` (statements that set the session up, such
    // as SET application_name) in the round trip that asks the server for
    // its process id; throws pgsafe::Error (Database) naming the redacted target.
    explicit Connection(const std::string& conninfo, const std::string& setup = "");
    ~Connection();
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // "user@host:port/database", for messages.
    std::string describe() const;

    // Runs SQL text (one or more statements, the simple query protocol) as
    // it stands: a BEGIN in it opens a transaction that stays open until a
    // COMMIT or ROLLBACK is executed. Throws db::DatabaseError "doing: …".
    void execute(const std::string& sql, std::string_view doing);

    // One statement's result rows, each value as text (nullopt for NULL).
    using Row = std::vector<std::optional<std::string>>;
    std::vector<Row> query(const std::string& sql, std::string_view doing);

    // The server process serving this connection, as the server tells it
    // (pg_backend_pid(), asked once connected). Not the process id in the
    // connection's start-up reply: a pooler (PgBouncer, …) puts one of its
    // own there.
    int backend_pid() const;
    // Whether the start-up reply named another process than the server's:
    // a pooler stands between pgsafe and the server (runner/session_affinity.hpp).
    bool through_pooler() const;

    // Asks the server to cancel the statement this connection is running;
    // meant to be called from another thread. Never throws.
    void cancel() noexcept;

    struct Impl;  // src/db/connection_impl.hpp
    Impl& impl() { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace pgsafe::db
