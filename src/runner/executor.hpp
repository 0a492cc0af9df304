#pragma once
// The seam under step execution: everything the runner sends while it runs
// migrations goes through an Executor. The real one sends it to the
// database; the recording one (for --dry-run) writes down what would be
// sent and only runs the reads a decision depends on (a batch's key range,
// whether a half-built index is there), so --dry-run prints exactly the
// statements a run would send, tracking writes included, in its order.

#include "pgsafe/db/connection.hpp"

#include <string>
#include <vector>

namespace pgsafe::runner {

class Executor {
public:
    using Rows = std::vector<db::Connection::Row>;
    virtual ~Executor() = default;

    // A statement that changes something: the migration's SQL, a tracking
    // write, SET/RESET, BEGIN/COMMIT. Throws db::DatabaseError.
    virtual void execute(const std::string& sql, const std::string& doing) = 0;
    // A read whose answer decides what runs next. Throws db::DatabaseError.
    virtual Rows query(const std::string& sql, const std::string& doing) = 0;
    // The server process the statements run in; 0 when none does.
    virtual int backend_pid() = 0;
    // Cancels the statement in flight; called from another thread; never throws.
    virtual void cancel() noexcept = 0;
};

// Sends everything to `connection`; the run-key lock check's error comes out
// as the lock check's own (lock_check_error, runner_lock.hpp).
class ConnectionExecutor : public Executor {
public:
    explicit ConnectionExecutor(db::Connection& connection) : m_connection(connection) {}
    void execute(const std::string& sql, const std::string& doing) override;
    Rows query(const std::string& sql, const std::string& doing) override;
    int backend_pid() override;
    void cancel() noexcept override;

private:
    db::Connection& m_connection;
};

// Writes down every statement (reads too, which it runs on `reads`); sends
// no write anywhere.
class RecordingExecutor : public Executor {
public:
    explicit RecordingExecutor(db::Connection& reads) : m_reads(reads) {}
    void execute(const std::string& sql, const std::string& doing) override;
    Rows query(const std::string& sql, const std::string& doing) override;
    int backend_pid() override { return 0; }
    void cancel() noexcept override {}

    // A line of SQL comment between the statements ("-- step 2 …").
    void comment(const std::string& text);
    // A statement another session sends (the runner lock's), with why.
    void record(const std::string& sql, const std::string& note = "");
    // The statements so far, one per line or block, each ending in ';'.
    const std::string& script() const { return m_script; }

private:
    db::Connection& m_reads;
    std::string m_script;
};

}  // namespace pgsafe::runner
