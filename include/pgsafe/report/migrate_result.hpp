#pragma once
// What `pgsafe migrate` and `pgsafe status` found and did, as plain values:
// the runner (I/O) fills them, the reporters (pure) print them, so the
// reporters need no runner header.

#include "pgsafe/error.hpp"
#include "pgsafe/policy/verdict.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::report {

enum class RunStatus { Ok, Failed, Refused, LockTimeout, Interrupted };

struct AppliedMigration {
    std::string version;
    std::string name;
    int steps = 0;  // steps run by this invocation
    long long duration_ms = 0;
    long long lock_wait_ms = 0;  // in lock queues and backing off between tries
    int retries = 0;
    bool resumed = false;  // continued a run that had died or failed
};

struct RunError {
    std::string message;
    std::string migration;                 // version, "" when no migration was running
    std::optional<int> step;               // 1-based
    std::string location;                  // "migrations/V3__fk.sql:4", "" when unknown
    std::string sqlstate;                  // "" when none
    ErrorKind kind = ErrorKind::Database;  // decides the exit code
    std::vector<Refusal> refusals;         // kind Refused: each reason, with what would unlock it
};

struct RunResult {
    RunStatus status = RunStatus::Ok;
    std::vector<AppliedMigration> applied;
    std::vector<std::string> pending;  // versions still to apply after this run
    std::optional<RunError> error;
};

// "ok", "failed", "refused", "lock_timeout", "interrupted"
inline const char* run_status_name(RunStatus status) {
    switch (status) {
        case RunStatus::Ok: return "ok";
        case RunStatus::Failed: return "failed";
        case RunStatus::Refused: return "refused";
        case RunStatus::LockTimeout: return "lock_timeout";
        case RunStatus::Interrupted: return "interrupted";
    }
    return "failed";
}

enum class MigrationState { Applied, Pending, Failed, Running, Drift, Missing };

// "applied", "pending", "failed", "running", "drift", "missing"
inline const char* migration_state_name(MigrationState state) {
    switch (state) {
        case MigrationState::Applied: return "applied";
        case MigrationState::Pending: return "pending";
        case MigrationState::Failed: return "failed";
        case MigrationState::Running: return "running";
        case MigrationState::Drift: return "drift";
        case MigrationState::Missing: return "missing";
    }
    return "pending";
}

struct MigrationStatus {
    std::string version;
    std::string name;
    std::string path;  // "" when the file is gone
    MigrationState state = MigrationState::Pending;
    std::string checksum;          // the file's
    std::string applied_checksum;  // the tracked one, "" when never run
    std::string applied_by;
    std::string started_at;
    std::string finished_at;
    std::optional<long long> duration_ms;
    int steps_done = 0;
    int steps_total = 0;
    std::string error;                       // failed: the error message
    std::optional<policy::Verdict> verdict;  // pending, with a policy: may it run now (status --env)
};

struct StatusReport {
    std::string database;  // user@host:port/db
    std::string runner;    // who holds the runner lock, "" when nobody
    bool tracking_exists = false;
    std::vector<MigrationStatus> migrations;  // in apply order
};

}  // namespace pgsafe::report
