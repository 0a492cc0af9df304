// The two executors: one sends the runner's statements to the database, the
// other writes them down for --dry-run (see executor.hpp).

#include "executor.hpp"

#include "runner_lock.hpp"

namespace pgsafe::runner {
namespace {

// "BEGIN" -> "BEGIN;": a script a user can read (and feed to psql).
std::string terminated(const std::string& sql) {
    auto end = sql.find_last_not_of(" \t\n");
    if (end == std::string::npos) return sql;
    std::string out = sql.substr(0, end + 1);
    if (out.back() == ';') return out;
    auto line = out.rfind('\n');
    bool ends_in_comment = out.find("--", line == std::string::npos ? 0 : line) != std::string::npos;
    return out + (ends_in_comment ? "\n;" : ";");
}

// send(), with the run-key lock check's error thrown as the check's own.
template <typename Send>
auto checked(Send&& send, const std::string& doing) {
    try {
        return send();
    } catch (const db::DatabaseError& e) {
        if (auto lost = lock_check_error(e, doing)) throw *lost;
        throw;
    }
}

}  // namespace

void ConnectionExecutor::execute(const std::string& sql, const std::string& doing) {
    checked([&] { m_connection.execute(sql, doing); }, doing);
}

Executor::Rows ConnectionExecutor::query(const std::string& sql, const std::string& doing) {
    return checked([&] { return m_connection.query(sql, doing); }, doing);
}

int ConnectionExecutor::backend_pid() {
    return m_connection.backend_pid();
}

void ConnectionExecutor::cancel() noexcept {
    m_connection.cancel();
}

void RecordingExecutor::execute(const std::string& sql, const std::string&) {
    record(sql);
}

Executor::Rows RecordingExecutor::query(const std::string& sql, const std::string& doing) {
    record(sql);
    return m_reads.query(sql, doing);
}

void RecordingExecutor::comment(const std::string& text) {
    m_script += text + "\n";
}

void RecordingExecutor::record(const std::string& sql, const std::string& note) {
    m_script += terminated(sql) + (note.empty() ? "" : "  -- " + note) + "\n";
}

}  // namespace pgsafe::runner
