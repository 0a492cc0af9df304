#pragma once
// The libpqxx side of db::Connection, and the guard that turns every libpqxx
// exception into a pgsafe::Error. Private to src/db/.

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/error.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <string>
#include <string_view>

namespace pgsafe::db {

// Server notices (NOTICE, WARNING) go to the log, not straight to stderr.
class NoticeLogger : public pqxx::errorhandler {
public:
    explicit NoticeLogger(pqxx::connection_base& c) : pqxx::errorhandler(c) {}
    bool operator()(const char message[]) noexcept override;
};

struct Connection::Impl {
    Impl(const std::string& conninfo, std::string redacted)
        : connection(conninfo), target(std::move(redacted)), notices(connection) {
        // libpqxx 6 would silently reconnect a broken connection: a new session
        // without the runner's advisory lock or the transaction it was in.
        // Deprecated because libpqxx 7 dropped reactivation altogether; 6.4 still does it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        connection.inhibit_reactivation(true);
#pragma GCC diagnostic pop
    }
    pqxx::connection connection;
    std::string target;  // redacted conninfo, for messages
    NoticeLogger notices;
    int server_pid = 0;  // pg_backend_pid(), asked once connected
};

// 57P01..57P03 (the server ended the session) and class 08 (connection exception) mean it is gone.
inline DatabaseError::Lost lost_with(const std::string& sqlstate) {
    bool gone =
        sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
    return gone ? DatabaseError::Lost::Yes : DatabaseError::Lost::No;
}

// "lost the connection to the server (…)", with libpqxx's reason when it
// says more than that the connection is closed: its "Could not obtain client
// encoding: not connected" only means the session was already gone.
inline std::string lost_connection_text(std::string_view what) {
    std::string text =
        "lost the connection to the server (it restarted, the session was terminated, or the network "
        "failed)";
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ' || what.back() == '.'))
        what.remove_suffix(1);
    auto line = what.substr(0, what.find('\n'));
    if (!line.empty() && line.find("not connected") == std::string_view::npos &&
        line.find("client encoding") == std::string_view::npos)
        text += fmt::format(": {}", line);
    return text;
}

// The error's SQLSTATE. libpqxx 6.4 throws some of its typed errors (permission
// denied among them) without one: the type then says it.
inline std::string sqlstate_of(const pqxx::sql_error& e) {
    if (!e.sqlstate().empty()) return e.sqlstate();
    if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) return "42501";
    if (dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr) return "42P01";
    if (dynamic_cast<const pqxx::undefined_function*>(&e) != nullptr) return "42883";
    if (dynamic_cast<const pqxx::undefined_column*>(&e) != nullptr) return "42703";
    return "";
}

// Runs f(); libpqxx exceptions become pgsafe::Error "doing: message (SQLSTATE …)".
template <typename F>
auto guarded(std::string_view doing, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const pqxx::sql_error& e) {
        throw database_error(doing, e.what(), sqlstate_of(e), lost_with(sqlstate_of(e)));
    } catch (const pqxx::deadlock_detected& e) {
        throw database_error(doing, e.what(), "40P01");
    } catch (const pqxx::serialization_failure& e) {
        throw database_error(doing, e.what(), "40001");
    } catch (const pqxx::broken_connection& e) {
        throw database_error(doing, lost_connection_text(e.what()), "", DatabaseError::Lost::Yes);
    } catch (const pqxx::in_doubt_error& e) {
        throw database_error(doing, std::string("lost the connection, outcome unknown: ") + e.what(), "",
                             DatabaseError::Lost::Yes);
    } catch (const pqxx::statement_completion_unknown& e) {
        throw database_error(doing, std::string("lost the connection, outcome unknown: ") + e.what(), "",
                             DatabaseError::Lost::Yes);
    } catch (const pqxx::failure& e) {
        if (std::string_view(e.what()).find("not connected") != std::string_view::npos)
            throw database_error(doing, lost_connection_text(e.what()), "", DatabaseError::Lost::Yes);
        throw database_error(doing, e.what(), "");
    }
}

}  // namespace pgsafe::db
