#pragma once
// pgsafe's exit codes, declared once (DESIGN.md, README): main() and every
// command return these names, and exit_code_for() maps an error's kind to
// its code, so no command spells a number of its own.

#include "pgsafe/error.hpp"

namespace pgsafe {

enum class ExitCode : int {
    Ok = 0,
    Findings = 1,       // lint: findings at or above --fail-on
    NotUpToDate = 1,    // status --exit-code: a migration pending, failed, running, drifted or missing
    Usage = 2,          // usage or configuration error
    Parse = 3,          // a migration does not parse
    Database = 4,       // database unreachable, or an error from the server
    Refused = 5,        // refused: drift, out of order, policy
    LockTimeout = 6,    // gave up waiting for a table lock or the runner lock
    Internal = 70,      // EX_SOFTWARE: a bug in pgsafe, never a user error
    Interrupted = 130,  // SIGINT or SIGTERM
};

constexpr int exit_code(ExitCode code) {
    return static_cast<int>(code);
}

// The exit code of an error of this kind, for every command.
constexpr ExitCode exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage: return ExitCode::Usage;
        case ErrorKind::Parse: return ExitCode::Parse;
        case ErrorKind::Database: return ExitCode::Database;
        case ErrorKind::Refused: return ExitCode::Refused;
        case ErrorKind::LockTimeout: return ExitCode::LockTimeout;
        case ErrorKind::Interrupted: return ExitCode::Interrupted;
    }
    return ExitCode::Internal;
}

}  // namespace pgsafe
